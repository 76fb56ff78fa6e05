import type { LogCursor, LogSlice } from '../log/types.js';

/** A batch taken from the log and not yet committed past. */
export interface WindowEntry {
  readonly end: number;
  readonly count: number;
  readonly bytes: number;
  /** When its first event was accepted. */
  readonly receivedAt: number;
  /** Delivered or dead-lettered: the cursor may pass it. */
  done: boolean;
  /** Its sending has returned, whether or not the batch was finished. */
  settled: boolean;
  /** Of its events, how many are delivered and how many dead-lettered so far. */
  delivered: number;
  deadLettered: number;
}

/**
 * The batches between an exporter's committed position and its read position, in log
 * order. Batches finish in any order; the cursor moves only past a run of finished ones
 * from the front, so what is not committed is exactly what may still need sending. A batch
 * abandoned at stop blocks the cursor for good: everything after it is sent again next time.
 */
export class CommitWindow {
  readonly #cursor: LogCursor;
  readonly #entries: WindowEntry[] = [];
  /** When the newest batch taken was first accepted (undefined before the first). */
  #lastReceivedAt: number | undefined;

  constructor(cursor: LogCursor) {
    this.#cursor = cursor;
  }

  open(slice: LogSlice): WindowEntry {
    const entry: WindowEntry = { end: slice.firstSeq + slice.lines.length, count: slice.lines.length, bytes: slice.bytes, receivedAt: slice.receivedAt, done: false, settled: false, delivered: 0, deadLettered: 0 };
    this.#entries.push(entry);
    this.#lastReceivedAt = slice.receivedAt;
    return entry;
  }

  /** The oldest batch not yet committed past: it holds the oldest event not finished. */
  get front(): WindowEntry | undefined {
    return this.#entries[0];
  }

  /** When the first event of the newest batch taken was accepted. */
  get lastReceivedAt(): number | undefined {
    return this.#lastReceivedAt;
  }

  /** Bytes of the batches taken and not yet finished. */
  get openBytes(): number {
    let bytes = 0;
    for (const entry of this.#entries) if (!entry.done) bytes += entry.bytes;
    return bytes;
  }

  /** Marks the entry settled (finished or abandoned) and commits past every finished one at the front. */
  settle(entry: WindowEntry, finished: boolean): void {
    entry.done = finished;
    entry.settled = true;
    let end: number | undefined;
    let delivered = 0;
    let deadLettered = 0;
    while (this.#entries.length > 0 && (this.#entries[0] as WindowEntry).done) {
      const first = this.#entries.shift() as WindowEntry;
      end = first.end;
      delivered += first.delivered;
      deadLettered += first.deadLettered;
    }
    if (end !== undefined) this.#cursor.commit(end, { delivered, deadLettered });
  }

  /** Events in the window already delivered or dead-lettered (finished, not yet committed past). */
  get finishedAhead(): number {
    let finished = 0;
    for (const entry of this.#entries) finished += entry.delivered + entry.deadLettered;
    return finished;
  }

  get allSettled(): boolean {
    return this.#entries.every((e) => e.settled);
  }
}
