import { ShutdownError, type FerryEvent } from '@ferry/sdk';
import type { AppendState, CursorLedger, EventLog, Finished, LogCursor, LogSlice } from './types.js';
import { Signal } from '../util/signal.js';
import { untilAborted } from '../util/abort.js';
import { findRecord, lineSizes, sliceRecords, type LineSizes, type LogRecord } from './records.js';

/**
 * The log without persistence: records in memory, bounded by `maxBytes`. When the
 * slowest exporter lags that far behind, appends wait, which pushes back on receivers.
 */
export class MemoryLog implements EventLog {
  readonly restoredState = undefined;
  readonly #maxBytes: number;
  readonly #records: LogRecord[] = [];
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

  async append(events: readonly FerryEvent[], lines: readonly string[], _state?: AppendState, sized?: LineSizes): Promise<void> {
    if (this.#closed) throw new ShutdownError('the pipeline is shutting down');
    if (events.length === 0) return;
    const { sizes, bytes } = sized ?? lineSizes(lines);
    // Only the lines are kept: decoded objects would cost several times the bound's bytes.
    this.#records.push({ firstSeq: this.#endSeq, receivedAt: Date.now(), lines, sizes, bytes });
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

  async ensureCursor(): Promise<void> {}

  retire(cursor: LogCursor): number {
    const index = this.#cursors.indexOf(cursor as MemoryCursor);
    if (index === -1) return 0;
    this.#cursors.splice(index, 1);
    this.trim();
    return this.#endSeq - cursor.committed;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#dataArrived.notify();
    this.#roomFreed.notify();
  }

  /** @internal the record holding `seq`, by binary search over live records. */
  recordAt(seq: number): { record: LogRecord; offset: number } | undefined {
    return findRecord(this.#records, this.#head, seq);
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
      const record = this.#records[this.#head] as LogRecord;
      if (record.firstSeq + record.lines.length > lowest) break;
      this.#retainedBytes -= record.bytes;
      this.#retainedEvents -= record.lines.length;
      this.#records[this.#head] = undefined as unknown as LogRecord;
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

/** Memory holds no damage: nothing is ever lost to it, and nothing outlives the process. */
class MemoryCursor implements LogCursor {
  readonly name: string;
  readonly lostToDamage = 0;
  readonly uncommittedLoss = 0;
  readonly readFromDisk = 0;
  readonly #log: MemoryLog;
  readonly #origin: number;
  #delivered = 0;
  #deadLettered = 0;
  #committed: number;
  #readPosition: number;
  #readBytes: number;

  constructor(log: MemoryLog, name: string, start: number, startBytes: number) {
    this.#log = log;
    this.name = name;
    this.#origin = start;
    this.#committed = start;
    this.#readPosition = start;
    this.#readBytes = startBytes;
  }

  get ledger(): CursorLedger {
    return { origin: this.#origin, committed: this.#committed, delivered: this.#delivered, deadLettered: this.#deadLettered, lost: 0 };
  }
  get savedLedger(): CursorLedger {
    return this.ledger;
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

  rewind(): void {
    // Bytes of the events taken but not committed go back to "available".
    for (let seq = this.#committed; seq < this.#readPosition; ) {
      const found = this.#log.recordAt(seq);
      if (found === undefined) break;
      const stop = Math.min(found.record.lines.length, found.offset + (this.#readPosition - seq));
      for (let i = found.offset; i < stop; i++) this.#readBytes -= found.record.sizes[i] as number;
      seq = found.record.firstSeq + stop;
    }
    this.#readPosition = this.#committed;
  }

  async take(maxEvents: number, maxBytes: number): Promise<LogSlice | undefined> {
    const slice = sliceRecords((seq) => this.#log.recordAt(seq), this.#readPosition, this.#log.endSeq, maxEvents, maxBytes);
    if (slice !== undefined) {
      this.#readPosition = slice.firstSeq + slice.lines.length;
      this.#readBytes += slice.bytes;
    }
    return slice;
  }

  commit(upTo: number, finished: Finished): void {
    if (upTo <= this.#committed) return;
    this.#committed = upTo;
    this.#delivered += finished.delivered;
    this.#deadLettered += finished.deadLettered;
    this.#log.trim();
  }
}
