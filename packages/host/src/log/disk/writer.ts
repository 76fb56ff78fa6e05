import { open, truncate, unlink, type FileHandle } from 'node:fs/promises';
import { ShutdownError, type Logger } from '@ferry/sdk';
import type { LogRecord } from '../records.js';
import { describeStorageError } from './disk-errors.js';
import { encodeRecord } from './format.js';
import { segmentPath, type SegmentInfo } from './segments.js';

/** A record on its way to disk. */
export interface PendingRecord extends LogRecord {
  /** The processor state stored with it, as JSON. */
  readonly state: string | undefined;
  readonly encoded: Buffer;
}

export interface WriterOptions {
  readonly segmentsDirectory: string;
  /** The storage directory, as errors name it. */
  readonly directory: string;
  readonly fsync: 'batch' | 'interval';
  readonly fsyncIntervalMs: number;
  readonly segmentBytes: number;
  readonly logger: Logger;
  /** Records just written (and synced with `fsync: batch`), in order. */
  readonly onWritten: (records: readonly PendingRecord[]) => void;
  /** Writes succeed again after failing. */
  readonly onWritable: () => void;
}

interface Group {
  readonly records: PendingRecord[];
  readonly done: Promise<void>;
  resolve(): void;
  reject(error: Error): void;
}

function newGroup(): Group {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Nobody may be waiting on a group that fails at shutdown.
  done.catch(() => undefined);
  return { records: [], done, resolve, reject };
}

const RETRY_WRITE_MIN_MS = 500;
const RETRY_WRITE_MAX_MS = 10_000;

/**
 * Writes records to the segment files: every record appended in one turn of the event
 * loop joins one group, written with one writev and (with `fsync: batch`) one fsync before
 * any of them resolves — a group commit, so concurrent receivers share the cost. A write
 * the disk refuses (full, read-only) is cut back and retried until it succeeds. A segment
 * past `segmentBytes` is closed and a new one begun, starting with the last processor
 * state, so that deleting delivered segments never deletes what a restart restores.
 */
export class SegmentWriter {
  readonly #o: WriterOptions;
  readonly #segments: SegmentInfo[];
  #active: FileHandle;
  #writtenSeq: number;
  #writtenState: string | undefined;
  #lastReceivedAt = 0;
  #group: Group = newGroup();
  #pendingBytes = 0;
  #flushing: Promise<void> | undefined;
  #blocked: string | undefined;
  #unsynced = false;
  #closed = false;
  readonly #syncTimer: NodeJS.Timeout | undefined;

  private constructor(options: WriterOptions, segments: SegmentInfo[], active: FileHandle, endSeq: number, state: string | undefined) {
    this.#o = options;
    this.#segments = segments;
    this.#active = active;
    this.#writtenSeq = endSeq;
    this.#writtenState = state;
    if (options.fsync === 'interval') {
      this.#syncTimer = setInterval(() => void this.#syncNow(), options.fsyncIntervalMs);
      this.#syncTimer.unref();
    }
  }

  /** Continues the newest of `segments` (recovered, tail cut), or starts the first one at `endSeq`. */
  static async open(options: WriterOptions, segments: SegmentInfo[], endSeq: number, state: string | undefined): Promise<SegmentWriter> {
    if (segments.length === 0) segments.push({ firstSeq: endSeq, path: segmentPath(options.segmentsDirectory, endSeq), size: 0 });
    const active = await open((segments[segments.length - 1] as SegmentInfo).path, 'a');
    return new SegmentWriter(options, segments, active, endSeq, state);
  }

  /** Oldest first; the last one is being written. Readers see sizes grow as groups land. */
  get segments(): readonly SegmentInfo[] {
    return this.#segments;
  }
  /** Sequence numbers below this are written (and synced, with `fsync: batch`). */
  get writtenSeq(): number {
    return this.#writtenSeq;
  }
  /** Bytes on disk plus bytes waiting to be written. */
  get retainedBytes(): number {
    return this.#segments.reduce((sum, s) => sum + s.size, 0) + this.#pendingBytes;
  }
  /** Why writes are failing, while they are. */
  get blocked(): string | undefined {
    return this.#blocked;
  }
  /** The newest acceptance time written, so that a new record never goes back in time. */
  get lastReceivedAt(): number {
    return this.#lastReceivedAt;
  }

  static encode(firstSeq: number, receivedAt: number, record: Omit<LogRecord, 'firstSeq' | 'receivedAt'>, state: string | undefined): PendingRecord {
    return { ...record, firstSeq, receivedAt, state, encoded: encodeRecord(firstSeq, receivedAt, record.lines, state, record.bytes) };
  }

  /** Queues a record; resolves once it is written (synced with `fsync: batch`). */
  write(record: PendingRecord): Promise<void> {
    if (this.#closed) return Promise.reject(new ShutdownError('the pipeline is shutting down'));
    this.#lastReceivedAt = Math.max(this.#lastReceivedAt, record.receivedAt);
    this.#group.records.push(record);
    this.#pendingBytes += record.encoded.length;
    this.#flushing ??= this.#flush();
    return this.#group.done;
  }

  async #flush(): Promise<void> {
    // Let every append issued in this turn of the event loop join the group.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.#group.records.length > 0) {
      const group = this.#group;
      this.#group = newGroup();
      if (!(await this.#writeGroup(group))) {
        group.reject(new ShutdownError('the log closed before these events were written'));
        this.#group.reject(new ShutdownError('the log closed before these events were written'));
        this.#group = newGroup();
        break;
      }
      const last = group.records[group.records.length - 1] as PendingRecord;
      for (const record of group.records) if (record.state !== undefined) this.#writtenState = record.state;
      this.#writtenSeq = last.firstSeq + last.lines.length;
      this.#o.onWritten(group.records);
      group.resolve();
      if ((this.#segments[this.#segments.length - 1] as SegmentInfo).size >= this.#o.segmentBytes) await this.#roll();
    }
    this.#flushing = undefined;
  }

  /** Writes and syncs one group, retrying (the receivers wait) while the disk refuses. False only if closed meanwhile. */
  async #writeGroup(group: Group): Promise<boolean> {
    const buffers = group.records.map((r) => r.encoded);
    const bytes = buffers.reduce((sum, b) => sum + b.length, 0);
    let delay = RETRY_WRITE_MIN_MS;
    for (;;) {
      const active = this.#segments[this.#segments.length - 1] as SegmentInfo;
      try {
        await this.#writeAll(buffers, active.size);
        if (this.#o.fsync === 'batch') await this.#active.datasync();
        else this.#unsynced = true;
        // Only now may readers see these bytes: a segment's size always ends on a whole record.
        active.size += bytes;
        this.#pendingBytes -= bytes;
        if (this.#blocked !== undefined) {
          this.#o.logger.info(`storage is writable again; ${this.#o.directory} accepts events`);
          this.#blocked = undefined;
          this.#o.onWritable();
        }
        return true;
      } catch (error) {
        // A partial write would leave a torn record in the middle of the file: cut it off.
        await truncate(active.path, active.size).catch(() => undefined);
        const why = describeStorageError(error, this.#o.directory);
        if (this.#blocked !== why) {
          this.#o.logger.error(`${why}: events received now are held back (receivers are pushed back) until it can be written; nothing already accepted is lost`);
        }
        this.#blocked = why;
        if (this.#closed) return false;
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(RETRY_WRITE_MAX_MS, delay * 2);
        if (this.#closed) return false;
      }
    }
  }

  async #writeAll(buffers: readonly Buffer[], position: number): Promise<void> {
    let remaining = buffers;
    let at = position;
    while (remaining.length > 0) {
      const { bytesWritten } = await this.#active.writev(remaining as Buffer[], at);
      at += bytesWritten;
      let skip = bytesWritten;
      const rest: Buffer[] = [];
      for (const buffer of remaining) {
        if (skip >= buffer.length) skip -= buffer.length;
        else {
          rest.push(skip > 0 ? buffer.subarray(skip) : buffer);
          skip = 0;
        }
      }
      remaining = rest;
    }
  }

  async #syncNow(): Promise<void> {
    if (!this.#unsynced) return;
    this.#unsynced = false;
    await this.#active.datasync().catch((error: unknown) => {
      this.#unsynced = true;
      this.#o.logger.error(`fsync failed: ${describeStorageError(error, this.#o.directory)}`);
    });
  }

  async #roll(): Promise<void> {
    await this.#active.datasync();
    await this.#active.close();
    const info: SegmentInfo = { firstSeq: this.#writtenSeq, path: segmentPath(this.#o.segmentsDirectory, this.#writtenSeq), size: 0 };
    this.#active = await open(info.path, 'a');
    if (this.#writtenState !== undefined) {
      const carried = encodeRecord(this.#writtenSeq, this.#lastReceivedAt, [], this.#writtenState);
      await this.#writeAll([carried], 0);
      await this.#active.datasync();
      info.size = carried.length;
    }
    await syncDirectory(this.#o.segmentsDirectory);
    // Published last: a reader that sees the new segment sees the old one at its final size.
    this.#segments.push(info);
  }

  /** Deletes whole segments that hold only events below `seq`; true when any went. */
  deleteBelow(seq: number): boolean {
    let freed = false;
    while (this.#segments.length > 1 && (this.#segments[1] as SegmentInfo).firstSeq <= seq) {
      const gone = this.#segments.shift() as SegmentInfo;
      freed = true;
      void unlink(gone.path).catch((error: unknown) => this.#o.logger.warn('could not delete a delivered log segment', { path: gone.path, error: (error as Error).message }));
    }
    return freed;
  }

  /** Writes what is queued, then closes the active segment (data stays for the next start). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#flushing;
    if (this.#syncTimer) clearInterval(this.#syncTimer);
    await this.#syncNow();
    await this.#active.close().catch(() => undefined);
  }
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
