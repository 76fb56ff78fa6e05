import type { LogSlice } from './types.js';

/** A run of consecutive events as a log keeps it: their lines and each line's NDJSON size. */
export interface LogRecord {
  readonly firstSeq: number;
  /** When the record was accepted (ms since the epoch). */
  readonly receivedAt: number;
  readonly lines: readonly string[];
  /** UTF-8 bytes of each line plus its newline. */
  readonly sizes: Uint32Array;
  /** The sum of `sizes`. */
  readonly bytes: number;
}

export type RecordLookup = (seq: number) => { readonly record: LogRecord; readonly offset: number } | undefined;

/** Each line's UTF-8 size with its newline, and their sum: what a log counts against its bound. */
export interface LineSizes {
  readonly sizes: Uint32Array;
  readonly bytes: number;
}

export function lineSizes(lines: readonly string[]): LineSizes {
  const sizes = new Uint32Array(lines.length);
  let bytes = 0;
  for (let i = 0; i < lines.length; i++) {
    const size = Buffer.byteLength(lines[i] as string) + 1;
    sizes[i] = size;
    bytes += size;
  }
  return { sizes, bytes };
}

/** Binary search over `records[from..]`, ordered by sequence and contiguous, for the one holding `seq`. */
export function findRecord<R extends LogRecord>(records: readonly R[], from: number, seq: number): { record: R; offset: number } | undefined {
  let low = from;
  let high = records.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const record = records[mid] as R;
    if (seq < record.firstSeq) high = mid - 1;
    else if (seq >= record.firstSeq + record.lines.length) low = mid + 1;
    else return { record, offset: seq - record.firstSeq };
  }
  return undefined;
}

/**
 * Cuts a slice from consecutive records starting at `from` and ending before `end`: at
 * most `maxEvents` events and `maxBytes` bytes, but always at least one event so an
 * oversized event still moves on.
 */
export function sliceRecords(recordAt: RecordLookup, from: number, end: number, maxEvents: number, maxBytes: number): LogSlice | undefined {
  if (from >= end) return undefined;
  const lines: string[] = [];
  let bytes = 0;
  let seq = from;
  let receivedAt = 0;
  while (seq < end && lines.length < maxEvents) {
    const found = recordAt(seq);
    if (found === undefined) break;
    const { record, offset } = found;
    if (lines.length === 0) receivedAt = record.receivedAt;
    const stop = Math.min(record.lines.length, offset + (end - seq));
    let i = offset;
    for (; i < stop && lines.length < maxEvents; i++) {
      const size = record.sizes[i] as number;
      if (lines.length > 0 && bytes + size > maxBytes) break;
      lines.push(record.lines[i] as string);
      bytes += size;
    }
    seq = record.firstSeq + i;
    if (i < record.lines.length) break;
  }
  if (lines.length === 0) return undefined;
  return { firstSeq: from, receivedAt, lines, bytes };
}
