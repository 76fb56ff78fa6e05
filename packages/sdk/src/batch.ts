import { createHash } from 'node:crypto';
import type { FerryEvent } from './event.js';
import { eventLine, withText } from './event-text.js';
import { encodeLines, hashLines, lineByteSizes } from './ndjson.js';

/**
 * What an exporter receives: events in the order they were accepted, each as the text
 * Ferry stored for it (`lines`) and decoded (`events`).
 *
 * The lines are the evidence: each is the event's JSON text exactly as the receiver read
 * it from the source, with what processors added (the integrity link at its end), never a
 * re-serialization. Build what you send from `lines` (or `memberTexts(line, ['data'])` for
 * one member's exact text): `events` are decoded with `JSON.parse`, so a number beyond
 * 2^53 in them is already rounded and integer-like keys are reordered. Use `events` for
 * routing and metadata (type, id), never to re-encode the event.
 */
export interface Batch {
  /** The lines decoded (lazily, on first use); each carries its line as `textOf(event)`. */
  readonly events: readonly FerryEvent[];
  /** Each event's stored JSON text, one line without the newline; same order as `events`. */
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
  /**
   * A batch of a subset of these events, in the order the indexes give, keeping their texts.
   * Throws a RangeError for an index that is not an integer of this batch, or that repeats
   * (which would send an event twice and count it twice).
   */
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
    this.#events ??= (this.#lines ?? []).map((line) => withText(JSON.parse(line) as FerryEvent, line));
    return this.#events;
  }

  get lines(): readonly string[] {
    this.#lines ??= (this.#events ?? []).map(eventLine);
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
    // Hashed line by line unless the body is already built: an exporter that never sends the
    // NDJSON body (the archive writes its own) then never holds a copy of the whole batch.
    if (this.#id === undefined) {
      if (this.#body !== undefined) this.#id = createHash('sha256').update(this.#body).digest('hex');
      else this.#id = hashLines(this.lines);
    }
    return this.#id;
  }

  ndjson(): Buffer {
    this.#body ??= encodeLines(this.lines, this.#lineSizes);
    return this.#body;
  }

  select(indexes: readonly number[]): Batch {
    checkSelection(indexes, this.count);
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

/** Refuses a selection that names an event the batch does not hold, or one event twice. */
function checkSelection(indexes: readonly number[], count: number): void {
  const seen = new Set<number>();
  for (const index of indexes) {
    if (!Number.isInteger(index) || index < 0 || index >= count) throw new RangeError(`batch.select: ${String(index)} is not an index of this batch of ${count} events`);
    if (seen.has(index)) throw new RangeError(`batch.select: index ${index} is given twice`);
    seen.add(index);
  }
}

/**
 * Builds a batch from events, their lines, or both (the host passes both when it has them).
 * From events alone, each line is the event's own text (`textOf`), else `JSON.stringify`.
 */
export function createBatch(source: BatchSource | readonly FerryEvent[]): Batch {
  return Array.isArray(source) ? new EventBatch({ events: source as readonly FerryEvent[] }) : new EventBatch(source as BatchSource);
}
