import type { FerryEvent } from '@ferry/sdk';

/** How far the receiver reads ahead of the pipeline before it stops reading (pushes back). */
export const READ_AHEAD_BYTES = 1024 * 1024;

/**
 * Hands decoded events to the pipeline one call at a time, in order, while the stream keeps
 * being read; `room()` waits once READ_AHEAD_BYTES are waiting, which stops the reading.
 */
export class Handoff {
  readonly #consume: (events: FerryEvent[]) => Promise<void>;
  #events: FerryEvent[] = [];
  #bytes = 0;
  #running: Promise<void> | undefined;
  #failure: unknown;

  constructor(consume: (events: FerryEvent[]) => Promise<void>) {
    this.#consume = consume;
  }

  push(events: FerryEvent[], bytes: number): void {
    if (events.length === 0) return;
    this.#events.push(...events);
    this.#bytes += bytes;
    this.#running ??= this.#pump();
  }

  async #pump(): Promise<void> {
    try {
      while (this.#events.length > 0) {
        const batch = this.#events;
        this.#events = [];
        this.#bytes = 0;
        await this.#consume(batch);
      }
    } catch (error) {
      this.#failure = error;
    } finally {
      this.#running = undefined;
    }
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
