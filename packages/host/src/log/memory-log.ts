import { ShutdownError, type FerryEvent } from '@ferry/sdk';
import type { AppendState, EventLog, LogCursor, LogSlice } from './types.js';
import { Signal } from './signal.js';

interface MemoryRecord {
  readonly firstSeq: number;
  readonly receivedAt: number;
  readonly lines: readonly string[];
  readonly events: undefined;
  readonly sizes: Uint32Array;
  readonly bytes: number;
}

export function lineSizes(lines: readonly string[]): { sizes: Uint32Array; bytes: number } {
  const sizes = new Uint32Array(lines.length);
  let bytes = 0;
  for (let i = 0; i < lines.length; i++) {
    const size = Buffer.byteLength(lines[i] as string) + 1;
    sizes[i] = size;
    bytes += size;
  }
  return { sizes, bytes };
}

/**
 * The log without persistence: records in memory, bounded by `maxBytes`. When the
 * slowest exporter lags that far behind, appends wait, which pushes back on receivers.
 */
export class MemoryLog implements EventLog {
  readonly restoredState = undefined;
  readonly #maxBytes: number;
  readonly #records: MemoryRecord[] = [];
  #head = 0; // index of the first live record in #records
  #endSeq = 0;
  #retainedBytes = 0;
  #retainedEvents = 0;
  #endBytes = 0;
  #closed = false;
  readonly #cursors: MemoryCursor[] = [];
  readonly #dataArrived = new Signal();
  readonly #roomFreed = new Signal();

  constructor(options: { maxBytes: number }) {
    this.#maxBytes = options.maxBytes;
  }

  get endSeq(): number {
    return this.#endSeq;
  }
  get retainedBytes(): number {
    return this.#retainedBytes;
  }
  get retainedEvents(): number {
    return this.#retainedEvents;
  }
  get closed(): boolean {
    return this.#closed;
  }

  hasRoom(bytes: number): boolean {
    return this.#retainedBytes === 0 || this.#retainedBytes + bytes <= this.#maxBytes;
  }

  async room(bytes: number): Promise<void> {
    while (!this.hasRoom(bytes)) {
      if (this.#closed) throw new ShutdownError('the pipeline is shutting down');
      await this.#roomFreed.wait();
    }
    if (this.#closed) throw new ShutdownError('the pipeline is shutting down');
  }

  async append(events: readonly FerryEvent[], lines: readonly string[], _state?: AppendState): Promise<void> {
    if (this.#closed) throw new ShutdownError('the pipeline is shutting down');
    if (events.length === 0) return;
    const { sizes, bytes } = lineSizes(lines);
    // Only the lines are kept: decoded objects would cost several times the bound's bytes.
    this.#records.push({ firstSeq: this.#endSeq, receivedAt: Date.now(), lines, events: undefined, sizes, bytes });
    this.#endSeq += events.length;
    this.#retainedBytes += bytes;
    this.#retainedEvents += events.length;
    this.#endBytes += bytes;
    this.#dataArrived.notify();
  }

  cursor(name: string): LogCursor {
    const cursor = new MemoryCursor(this, name, this.#endSeq, this.#endBytes);
    this.#cursors.push(cursor);
    return cursor;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#dataArrived.notify();
    this.#roomFreed.notify();
  }

  /** @internal the record holding `seq`, by binary search over live records. */
  recordAt(seq: number): { record: MemoryRecord; offset: number } | undefined {
    let low = this.#head;
    let high = this.#records.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const record = this.#records[mid] as MemoryRecord;
      if (seq < record.firstSeq) high = mid - 1;
      else if (seq >= record.firstSeq + record.lines.length) low = mid + 1;
      else return { record, offset: seq - record.firstSeq };
    }
    return undefined;
  }

  nextAppend(): Promise<void> {
    return this.#dataArrived.wait();
  }

  /** Bytes appended since the log was created (cursors subtract what they took). */
  get endBytes(): number {
    return this.#endBytes;
  }

  /** @internal drops records every cursor has committed past. */
  trim(): void {
    let lowest = Infinity;
    for (const cursor of this.#cursors) lowest = Math.min(lowest, cursor.committed);
    let freed = false;
    while (this.#head < this.#records.length) {
      const record = this.#records[this.#head] as MemoryRecord;
      if (record.firstSeq + record.lines.length > lowest) break;
      this.#retainedBytes -= record.bytes;
      this.#retainedEvents -= record.lines.length;
      this.#records[this.#head] = undefined as unknown as MemoryRecord;
      this.#head++;
      freed = true;
    }
    // Compact now and then so the array does not keep a long dead prefix.
    if (this.#head > 1024 && this.#head * 2 > this.#records.length) {
      this.#records.splice(0, this.#head);
      this.#head = 0;
    }
    if (freed) this.#roomFreed.notify();
  }
}

class MemoryCursor implements LogCursor {
  readonly name: string;
  readonly #log: MemoryLog;
  #committed: number;
  #readPosition: number;
  #readBytes: number;

  constructor(log: MemoryLog, name: string, start: number, startBytes: number) {
    this.#log = log;
    this.name = name;
    this.#committed = start;
    this.#readPosition = start;
    this.#readBytes = startBytes;
  }

  get committed(): number {
    return this.#committed;
  }
  get readPosition(): number {
    return this.#readPosition;
  }

  available(): number {
    return this.#log.endSeq - this.#readPosition;
  }

  availableBytes(): number {
    return this.#log.endBytes - this.#readBytes;
  }

  nextReceivedAt(): number | undefined {
    return this.#log.recordAt(this.#readPosition)?.record.receivedAt;
  }

  async waitForData(signal: AbortSignal): Promise<void> {
    while (this.available() === 0 && !signal.aborted && !this.#log.closed) {
      await untilAborted(this.#log.nextAppend(), signal);
    }
  }

  async take(maxEvents: number, maxBytes: number): Promise<LogSlice | undefined> {
    const slice = sliceRecords((seq) => this.#log.recordAt(seq), this.#readPosition, this.#log.endSeq, maxEvents, maxBytes);
    if (slice !== undefined) {
      this.#readPosition = slice.firstSeq + slice.lines.length;
      this.#readBytes += slice.bytes;
    }
    return slice;
  }

  commit(upTo: number): void {
    if (upTo <= this.#committed) return;
    this.#committed = upTo;
    this.#log.trim();
  }
}

interface SliceableRecord {
  readonly firstSeq: number;
  readonly receivedAt: number;
  readonly lines: readonly string[];
  readonly events: readonly FerryEvent[] | undefined;
  readonly sizes: Uint32Array;
}

/**
 * Cuts a slice from consecutive records starting at `from`: at most `maxEvents` events and
 * `maxBytes` bytes, but always at least one event so an oversized event still moves on.
 */
export function sliceRecords(
  recordAt: (seq: number) => { record: SliceableRecord; offset: number } | undefined,
  from: number,
  end: number,
  maxEvents: number,
  maxBytes: number,
): LogSlice | undefined {
  if (from >= end) return undefined;
  const lines: string[] = [];
  let events: FerryEvent[] | undefined = [];
  let bytes = 0;
  let seq = from;
  let receivedAt = 0;
  while (seq < end && lines.length < maxEvents) {
    const found = recordAt(seq);
    if (found === undefined) break;
    const { record, offset } = found;
    if (lines.length === 0) receivedAt = record.receivedAt;
    let i = offset;
    for (; i < record.lines.length && lines.length < maxEvents; i++) {
      const size = record.sizes[i] as number;
      if (lines.length > 0 && bytes + size > maxBytes) break;
      lines.push(record.lines[i] as string);
      if (events !== undefined) {
        if (record.events === undefined) events = undefined;
        else events.push(record.events[i] as FerryEvent);
      }
      bytes += size;
    }
    seq = record.firstSeq + i;
    if (i < record.lines.length) break;
  }
  if (lines.length === 0) return undefined;
  return { firstSeq: from, receivedAt, lines, events, bytes };
}

/** Waits for `promise`, or less if the signal aborts; never leaves a listener behind. */
export function untilAborted(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = () => resolve();
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
