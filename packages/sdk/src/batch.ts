import { createHash } from 'node:crypto';
import type { FerryEvent } from './event.js';
import { encodeLines, lineByteSizes } from './ndjson.js';

/**
 * What an exporter receives: events in the order they were accepted, each also available
 * as its JSON text so NDJSON writers need not serialize again.
 */
export interface Batch {
  readonly events: readonly FerryEvent[];
  /** Each event as one line of JSON text, without the newline; same order as `events`. */
  readonly lines: readonly string[];
  /** How many events the batch holds (cheaper than `events.length`, which decodes them). */
  readonly count: number;
  /** UTF-8 size of the NDJSON body (every line plus its newline). */
  readonly bytes: number;
  /**
   * A stable id derived from the batch's content (hex SHA-256 of its NDJSON body): a
   * retried batch keeps it, so destinations can use it as an idempotency key.
   */
  readonly id: string;
  /** When the first event was durably accepted (ms since the epoch); stable across retries and restarts. */
  readonly receivedAt: number;
  /** The pipeline log sequence number of the first event (0 when not from a log). */
  readonly firstSeq: number;
  /** The pipeline whose log the batch was cut from (`''` when not from a log, such as a dead-letter replay). */
  readonly pipeline: string;
  /**
   * The log sequence number of the event at `index` (meaningful when `pipeline` is set):
   * `firstSeq + index` in a batch as cut, kept through `select`, so a retried subset still
   * says where each of its events sits in the log.
   */
  seq(index: number): number;
  /** The NDJSON body: every line followed by a newline. */
  ndjson(): Buffer;
  /** A batch of a subset of these events, keeping their order and texts. */
  select(indexes: readonly number[]): Batch;
}

export interface BatchSource {
  readonly events?: readonly FerryEvent[];
  readonly lines?: readonly string[];
  readonly receivedAt?: number;
  readonly firstSeq?: number;
  readonly pipeline?: string;
}

class EventBatch implements Batch {
  readonly receivedAt: number;
  readonly firstSeq: number;
  readonly pipeline: string;
  /** For a selection: each event's offset from `firstSeq` in the batch as cut. */
  readonly #offsets: readonly number[] | undefined;
  #events: readonly FerryEvent[] | undefined;
  #lines: readonly string[] | undefined;
  #sizes: Uint32Array | undefined;
  #bytes: number | undefined;
  #id: string | undefined;
  #body: Buffer | undefined;

  constructor(source: BatchSource, offsets?: readonly number[]) {
    if (source.events === undefined && source.lines === undefined) throw new TypeError('a batch needs events or lines');
    if (source.events !== undefined && source.lines !== undefined && source.events.length !== source.lines.length) {
      throw new TypeError('a batch needs as many lines as events');
    }
    this.#events = source.events;
    this.#lines = source.lines;
    this.receivedAt = source.receivedAt ?? Date.now();
    this.firstSeq = source.firstSeq ?? 0;
    this.pipeline = source.pipeline ?? '';
    this.#offsets = offsets;
  }

  seq(index: number): number {
    return this.firstSeq + (this.#offsets === undefined ? index : (this.#offsets[index] as number));
  }

  get events(): readonly FerryEvent[] {
    this.#events ??= (this.#lines ?? []).map((line) => JSON.parse(line) as FerryEvent);
    return this.#events;
  }

  get lines(): readonly string[] {
    this.#lines ??= (this.#events ?? []).map((event) => JSON.stringify(event));
    return this.#lines;
  }

  /** Each line's UTF-8 size, measured once for `bytes` and `ndjson()` both. */
  get #lineSizes(): Uint32Array {
    this.#sizes ??= lineByteSizes(this.lines);
    return this.#sizes;
  }

  get bytes(): number {
    if (this.#bytes === undefined) {
      let total = this.count;
      for (const size of this.#lineSizes) total += size;
      this.#bytes = total;
    }
    return this.#bytes;
  }

  get id(): string {
    this.#id ??= createHash('sha256').update(this.ndjson()).digest('hex');
    return this.#id;
  }

  ndjson(): Buffer {
    this.#body ??= encodeLines(this.lines, this.#lineSizes);
    return this.#body;
  }

  select(indexes: readonly number[]): Batch {
    const lines = this.lines;
    const events = this.#events;
    return new EventBatch({
      lines: indexes.map((i) => lines[i] as string),
      ...(events ? { events: indexes.map((i) => events[i] as FerryEvent) } : {}),
      receivedAt: this.receivedAt,
      firstSeq: this.firstSeq,
      pipeline: this.pipeline,
    }, indexes.map((i) => (this.#offsets === undefined ? i : (this.#offsets[i] as number))));
  }

  get count(): number {
    return (this.#lines ?? this.#events ?? []).length;
  }
}

/** Builds a batch from events, their JSON lines, or both (the host passes both when it has them). */
export function createBatch(source: BatchSource | readonly FerryEvent[]): Batch {
  return Array.isArray(source) ? new EventBatch({ events: source as readonly FerryEvent[] }) : new EventBatch(source as BatchSource);
}
