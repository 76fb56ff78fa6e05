import type { ServerResponse } from 'node:http';
import type { FerryEvent } from '@ferry/sdk';
import { splitForWrite } from './chunking.js';
import type { GeneratorFaults } from './options.js';
import type { Random } from './random.js';
import { formatComment, formatEvent, formatRetry, lineEndingFor, malformedJson } from './sse-format.js';

export interface StreamHooks {
  /** Events whose terminating blank line was just handed to the socket, in order. */
  delivered(events: readonly FerryEvent[]): void;
  /** A malformed event is about to be written: returns which kind (they rotate server-wide). */
  nextMalformedKind(): number;
  /** `count` malformed events were handed to the socket. */
  malformedSent(count: number): void;
}

export interface StreamSettings {
  readonly faults: GeneratorFaults;
  /** Drives the `split` cuts. */
  readonly random: Random;
  readonly keepaliveMs: number;
  /** Write `: connected` at once (which sends the response head); the real route does not. */
  readonly connectedComment: boolean;
  /** The types this stream asked for with `?types=`, if it did. */
  readonly types: ReadonlySet<string> | undefined;
}

/** Coalesce events into writes of about this size when nothing asks for finer cuts. */
const WRITE_BYTES = 32 * 1024;

/**
 * One client's `text/event-stream`: formats events with the configured faults, writes them
 * respecting backpressure, and says which were delivered whole.
 */
export class SseStream {
  readonly types: ReadonlySet<string> | undefined;
  readonly closed: Promise<void>;
  #state: 'open' | 'stalled' | 'closed' = 'open';
  #sent = 0;
  #messages = 0;
  #writing = false;
  #waitingForDrain = false;
  #keepalive: NodeJS.Timeout | undefined;
  readonly #response: ServerResponse;
  readonly #settings: StreamSettings;
  readonly #hooks: StreamHooks;

  constructor(response: ServerResponse, settings: StreamSettings, hooks: StreamHooks) {
    this.#response = response;
    this.#settings = settings;
    this.#hooks = hooks;
    this.types = settings.types;
    this.closed = new Promise((resolve) => {
      response.once('close', () => {
        this.#state = 'closed';
        clearInterval(this.#keepalive);
        resolve();
      });
    });
  }

  /** Open and not stalled: events sent now can still arrive. */
  get accepting(): boolean {
    return this.#state === 'open';
  }

  /** Ended by either side (its socket may still be closing). */
  get isClosed(): boolean {
    return this.#state === 'closed';
  }

  get waitingForDrain(): boolean {
    return this.#waitingForDrain;
  }

  get bufferedBytes(): number {
    return this.#state === 'closed' ? 0 : this.#response.writableLength;
  }

  /**
   * Sets the response head and starts keepalives. Node sends the head only with the first
   * body bytes, so, as on the real route, a client sees the 200 only with the first event or
   * keepalive — unless `connectedComment` (or the `retry:` fault) writes something at once.
   */
  start(): void {
    const eol = lineEndingFor(this.#settings.faults.lineEnding ?? 'lf', 0);
    this.#response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const retry = this.#settings.faults.retryField;
    const greeting = (retry === undefined ? '' : formatRetry(retry, eol)) + (this.#settings.connectedComment ? formatComment('connected', eol) : '');
    if (greeting !== '') this.#response.write(greeting);
    this.#keepalive = setInterval(() => this.#sendKeepalive(), this.#settings.keepaliveMs);
    this.#keepalive.unref();
  }

  /**
   * Writes `events` in order and resolves with how many were delivered whole: fewer than
   * given when the client went away, or a `stallAfter` / `dropAfter` fault struck.
   */
  async send(events: readonly FerryEvent[]): Promise<number> {
    const { faults } = this.#settings;
    let delivered = 0;
    let text = '';
    let batch: FerryEvent[] = [];
    let malformed = 0;
    const flush = async (): Promise<boolean> => {
      if (text === '') return this.accepting;
      const ok = await this.#write(text);
      if (ok) {
        this.#sent += batch.length;
        delivered += batch.length;
        if (malformed > 0) this.#hooks.malformedSent(malformed);
        if (batch.length > 0) this.#hooks.delivered(batch);
      }
      text = '';
      batch = [];
      malformed = 0;
      return ok;
    };
    const coalesce = (faults.split ?? 'none') === 'none';
    for (const event of events) {
      if (!this.accepting) break;
      const before = this.#sent + batch.length;
      if (faults.stallAfter !== undefined && before >= faults.stallAfter) {
        if (await flush()) this.#stall();
        break;
      }
      if (faults.dropAfter !== undefined && before >= faults.dropAfter) {
        if (await flush()) await this.#dropInside(this.#format(JSON.stringify(event), event.id));
        break;
      }
      if (faults.malformedEvery && (this.#messages + 1) % faults.malformedEvery === 0) {
        // Always on one line: invalid JSON cannot be pretty-printed.
        text += this.#format(malformedJson(this.#hooks.nextMalformedKind(), event.createdAt), undefined, false);
        malformed++;
      }
      text += this.#format(JSON.stringify(event), event.id);
      batch.push(event);
      if ((!coalesce || text.length >= WRITE_BYTES) && !(await flush())) break;
    }
    await flush();
    return delivered;
  }

  /** Ends the connection at once (server shutdown, or a reader too slow to keep). */
  destroy(): void {
    this.#state = 'closed';
    clearInterval(this.#keepalive);
    this.#response.socket?.destroy();
  }

  #format(json: string, id: string | undefined, multilineData = !!this.#settings.faults.multilineData): string {
    const { faults } = this.#settings;
    const eol = lineEndingFor(faults.lineEnding ?? 'lf', this.#messages++);
    return formatEvent(json, { eol, multilineData, comments: !!faults.comments, id: faults.ids ? id : undefined });
  }

  #stall(): void {
    this.#state = 'stalled';
    clearInterval(this.#keepalive);
  }

  /**
   * Half of an event's bytes, then the connection ends: with a FIN after the bytes written
   * so far, not a reset (a reset may make the client's kernel discard bytes it already
   * holds, and then `delivered` could not say what the client saw), and without HTTP's
   * last chunk, so the client sees the body cut short.
   */
  async #dropInside(block: string): Promise<void> {
    const bytes = Buffer.from(block);
    await this.#write(bytes.subarray(0, Math.floor(bytes.length / 2)));
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    clearInterval(this.#keepalive);
    this.#response.socket?.end();
  }

  #sendKeepalive(): void {
    // Never between the pieces of an event; a whole comment line needs no splitting.
    if (this.accepting && !this.#writing) this.#response.write(formatComment('keepalive', lineEndingFor(this.#settings.faults.lineEnding ?? 'lf', this.#messages)));
  }

  /** Writes the pieces `split` asks for, waiting for 'drain' when the client is behind. False once the stream is gone. */
  async #write(text: string | Buffer): Promise<boolean> {
    this.#writing = true;
    try {
      const split = this.#settings.faults.split ?? 'none';
      const pieces = split === 'none' ? [text] : splitForWrite(Buffer.from(text), split, this.#settings.random);
      for (const piece of pieces) {
        if (this.#state === 'closed') return false;
        if (!this.#response.write(piece)) await this.#drained();
      }
      return this.#state !== 'closed';
    } finally {
      this.#writing = false;
    }
  }

  async #drained(): Promise<void> {
    this.#waitingForDrain = true;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.#response.off('drain', done).off('close', done);
        resolve();
      };
      this.#response.on('drain', done).on('close', done);
    });
    this.#waitingForDrain = false;
  }
}
