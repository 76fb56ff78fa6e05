import type { FerryEvent } from '@ferry/sdk';

/** How far the receiver reads ahead of the pipeline before it stops reading (pushes back). */
export const READ_AHEAD_BYTES = 1024 * 1024;

/**
 * Hands events to the pipeline one call at a time, in order, while the stream keeps being
 * read; `room()` waits once READ_AHEAD_BYTES are waiting, which stops the reading.
 *
 * What waits is the events' texts, decoded only when handed over: decoded at arrival, a
 * read-ahead's objects (several times the text's size) lived through the pipeline's call
 * before, long enough to be promoted to V8's old generation and collected from there
 * (2026-12-03, `bench/threads.ts --gc`, 400,000 events: 267 → 227 MB promoted with an
 * integrity chain and persistence, CPU about 5% lower with and without the chain).
 */
export class Handoff {
  readonly #consume: (events: FerryEvent[]) => Promise<void>;
  readonly #decode: (texts: readonly string[]) => FerryEvent[];
  #texts: string[] = [];
  #bytes = 0;
  #running: Promise<void> | undefined;
  #failure: unknown;

  constructor(decode: (texts: readonly string[]) => FerryEvent[], consume: (events: FerryEvent[]) => Promise<void>) {
    this.#decode = decode;
    this.#consume = consume;
  }

  push(texts: readonly string[], bytes: number): void {
    if (texts.length === 0) return;
    for (const text of texts) this.#texts.push(text);
    this.#bytes += bytes;
    this.#running ??= this.#pump();
  }

  async #pump(): Promise<void> {
    try {
      while (this.#texts.length > 0) await this.#handOver();
    } catch (error) {
      this.#failure = error;
    } finally {
      this.#running = undefined;
    }
  }

  /**
   * Decodes and hands on what waits. Not in #pump's frame: a suspended async function keeps
   * what its frame held, and the events would then live until the pipeline has made them
   * durable rather than only until it has their lines.
   */
  #handOver(): Promise<void> {
    const texts = this.#texts;
    this.#texts = [];
    this.#bytes = 0;
    return this.#consume(this.#decode(texts));
  }

  async room(): Promise<void> {
    while (this.#bytes >= READ_AHEAD_BYTES && this.#running) await this.#running;
    this.#throwFailure();
  }

  async drain(): Promise<void> {
    while (this.#running) await this.#running;
    this.#throwFailure();
  }

  #throwFailure(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }
}
