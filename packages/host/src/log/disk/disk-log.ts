import { open, stat, truncate, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ShutdownError, type FerryEvent, type JsonValue, type Logger } from '@ferry/sdk';
import type { AppendState, EventLog, LogCursor, LogSlice } from '../types.js';
import { Signal } from '../signal.js';
import { lineSizes, sliceRecords, untilAborted } from '../memory-log.js';
import { encodeRecord } from './format.js';
import { SegmentScanner } from './scanner.js';
import { listSegments, segmentPath, type SegmentInfo } from './segments.js';
import { DiskReader, type CorruptionReport } from './reader.js';
import { CursorStore } from './cursor-store.js';
import { acquireLock } from './lock.js';
import { describeStorageError, ensureDirectory, StorageError } from './disk-errors.js';

export interface DiskLogOptions {
  readonly directory: string;
  readonly fsync: 'batch' | 'interval';
  readonly fsyncIntervalMs: number;
  /** Most bytes the log keeps on disk; past it appends wait (the source is pushed back). */
  readonly maxBytes: number;
  /** Most bytes of recent records kept in memory for exporters that keep up. */
  readonly cacheBytes: number;
  readonly segmentBytes: number;
  /** The exporters reading this log (their cursors are kept; others are dropped). */
  readonly cursorNames: readonly string[];
  readonly logger: Logger;
  /** Called for every damaged stretch skipped (for telemetry). */
  readonly onCorruption?: (report: CorruptionReport & { lostEvents: number | undefined }) => void;
}

interface CachedRecord {
  readonly firstSeq: number;
  readonly receivedAt: number;
  readonly lines: readonly string[];
  /**
   * Not kept: holding decoded objects for every cached event would multiply the memory the
   * cache costs (and the garbage V8 lets build up); exporters that need objects decode the
   * lines of the batches they send.
   */
  readonly events: undefined;
  readonly sizes: Uint32Array;
  readonly bytes: number;
  /** The record's bytes until they are written. */
  encoded: Buffer | undefined;
  readonly state: string | undefined;
}

interface Group {
  readonly records: CachedRecord[];
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
 * The log with persistence: records appended to segment files, each batch of appends
 * written with one writev and (by default) one fsync before any of them is acknowledged —
 * a group commit, so concurrent receivers share the cost. Exporters read recent records
 * from memory and older ones from disk through their own cursor, kept in `cursors/`.
 * Segments every cursor has passed are deleted.
 *
 * Damage is survived, never fatal: a torn write at the end (a crash mid-write) is cut
 * off at open, a damaged record in the middle is reported and skipped while every intact
 * record around it is kept, and a write that fails (disk full, read-only) is retried until
 * it succeeds while receivers are pushed back.
 */
export class DiskLog implements EventLog {
  readonly #o: DiskLogOptions;
  readonly #segmentsDir: string;
  readonly #segments: SegmentInfo[];
  readonly #store: CursorStore;
  readonly #release: () => Promise<void>;
  readonly #cursors: DiskCursor[] = [];
  readonly #cache: CachedRecord[] = [];
  #cacheHead = 0;
  #cacheBytes = 0;
  #active: FileHandle;
  #endSeq: number;
  #writtenSeq: number;
  #lastReceivedAt = 0;
  /**
   * The processor state of the last written record. A new segment starts with a record
   * carrying it (and no events), so that deleting delivered segments never deletes the
   * state a restart must restore.
   */
  #writtenState: string | undefined;
  #group: Group = newGroup();
  #pendingBytes = 0;
  #flushing: Promise<void> | undefined;
  #blocked: string | undefined;
  #closed = false;
  #unsynced = false;
  #syncTimer: NodeJS.Timeout | undefined;
  readonly #written = new Signal();
  readonly #roomFreed = new Signal();
  readonly restoredState: AppendState | undefined;
  readonly #starts: Map<string, number>;
  readonly #reported = new Set<string>();

  private constructor(
    options: DiskLogOptions,
    init: { segments: SegmentInfo[]; active: FileHandle; endSeq: number; state: AppendState | undefined; release: () => Promise<void>; store: CursorStore; starts: Map<string, number> },
  ) {
    this.#o = options;
    this.#segmentsDir = join(options.directory, 'segments');
    this.#segments = init.segments;
    this.#active = init.active;
    this.#endSeq = init.endSeq;
    this.#writtenSeq = init.endSeq;
    this.restoredState = init.state;
    this.#writtenState = init.state === undefined ? undefined : JSON.stringify(init.state);
    this.#release = init.release;
    this.#store = init.store;
    this.#starts = init.starts;
    if (options.fsync === 'interval') {
      this.#syncTimer = setInterval(() => void this.#syncNow(), options.fsyncIntervalMs);
      this.#syncTimer.unref();
    }
  }

  static async open(options: DiskLogOptions): Promise<DiskLog> {
    try {
      return await DiskLog.#open(options);
    } catch (error) {
      throw error instanceof StorageError ? error : new StorageError(options.directory, error);
    }
  }

  static async #open(options: DiskLogOptions): Promise<DiskLog> {
    const segmentsDir = join(options.directory, 'segments');
    const cursorsDir = join(options.directory, 'cursors');
    await ensureDirectory(segmentsDir);
    await ensureDirectory(cursorsDir);
    const release = await acquireLock(options.directory);
    try {
      const found = await listSegments(segmentsDir);
      const segments: SegmentInfo[] = [];
      for (const s of found) segments.push({ ...s, size: (await stat(s.path)).size });
      const recovered = await recoverTail(segments, options);
      if (segments.length === 0) segments.push({ firstSeq: 0, path: segmentPath(segmentsDir, 0), size: 0 });
      const activeInfo = segments[segments.length - 1] as SegmentInfo;
      const active = await open(activeInfo.path, 'a');
      const store = new CursorStore(cursorsDir, options.logger);
      const stored = await store.load(options.cursorNames);
      const oldest = (segments[0] as SegmentInfo).firstSeq;
      const starts = new Map<string, number>();
      for (const name of options.cursorNames) {
        const committed = stored.get(name);
        if (committed === 'unreadable') options.logger.warn(`the saved position of exporter "${name}" is unreadable; it restarts from the oldest event kept, so some events may be sent to it again`);
        const start = committed === undefined ? recovered.endSeq : committed === 'unreadable' ? oldest : Math.min(Math.max(committed, oldest), recovered.endSeq);
        starts.set(name, start);
      }
      return new DiskLog(options, { segments, active, endSeq: recovered.endSeq, state: recovered.state, release, store, starts });
    } catch (error) {
      await release();
      throw error;
    }
  }

  get endSeq(): number {
    return this.#endSeq;
  }
  /** Sequence numbers below this are written (and synced, with `fsync: batch`). */
  get writtenSeq(): number {
    return this.#writtenSeq;
  }
  get retainedBytes(): number {
    return this.#segments.reduce((sum, s) => sum + s.size, 0) + this.#pendingBytes;
  }
  get retainedEvents(): number {
    const lowest = Math.min(...this.#cursors.map((c) => c.committed), this.#endSeq);
    return this.#endSeq - lowest;
  }
  get closed(): boolean {
    return this.#closed;
  }
  /** Why writes are failing, while they are. */
  get blocked(): string | undefined {
    return this.#blocked;
  }

  hasRoom(bytes: number): boolean {
    if (this.#blocked !== undefined) return false;
    const retained = this.retainedBytes;
    return retained === 0 || retained + bytes <= this.#o.maxBytes || this.#cursors.every((c) => c.committed >= this.#endSeq);
  }

  async room(bytes: number): Promise<void> {
    while (!this.hasRoom(bytes)) {
      if (this.#closed) throw new ShutdownError('the pipeline is shutting down');
      await this.#roomFreed.wait();
    }
    if (this.#closed) throw new ShutdownError('the pipeline is shutting down');
  }

  nextAppend(): Promise<void> {
    return this.#written.wait();
  }

  append(events: readonly FerryEvent[], lines: readonly string[], state?: AppendState): Promise<void> {
    if (this.#closed) return Promise.reject(new ShutdownError('the pipeline is shutting down'));
    if (events.length === 0) return Promise.resolve();
    const firstSeq = this.#endSeq;
    // Monotonic, so archive keys built from it sort in acceptance order even if the clock steps back.
    const receivedAt = Math.max(Date.now(), this.#lastReceivedAt);
    this.#lastReceivedAt = receivedAt;
    const stateText = state === undefined ? undefined : JSON.stringify(state);
    const encoded = encodeRecord(firstSeq, receivedAt, lines, stateText);
    const { sizes, bytes } = lineSizes(lines);
    const record: CachedRecord = { firstSeq, receivedAt, lines, events: undefined, sizes, bytes, encoded, state: stateText };
    this.#endSeq += events.length;
    this.#group.records.push(record);
    this.#pendingBytes += encoded.length;
    const done = this.#group.done;
    this.#flushing ??= this.#flush();
    return done;
  }

  /** Writes groups until none is pending; each group is one writev (+ fsync). */
  async #flush(): Promise<void> {
    // Let every append issued in this turn of the event loop join the group.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.#group.records.length > 0) {
      const group = this.#group;
      this.#group = newGroup();
      const ok = await this.#writeGroup(group);
      if (!ok) {
        group.reject(new ShutdownError('the log closed before these events were written'));
        this.#failPending();
        break;
      }
      for (const record of group.records) {
        record.encoded = undefined;
        if (record.state !== undefined) this.#writtenState = record.state;
        this.#cacheRecord(record);
      }
      this.#writtenSeq = (group.records[group.records.length - 1] as CachedRecord).firstSeq + (group.records[group.records.length - 1] as CachedRecord).lines.length;
      group.resolve();
      this.#written.notify();
      const active = this.#segments[this.#segments.length - 1] as SegmentInfo;
      if (active.size >= this.#o.segmentBytes) await this.#roll();
    }
    this.#flushing = undefined;
  }

  #failPending(): void {
    const pending = this.#group;
    this.#group = newGroup();
    pending.reject(new ShutdownError('the log closed before these events were written'));
  }

  /** Writes and syncs one group, retrying (the receivers wait) while the disk refuses. False only if closed meanwhile. */
  async #writeGroup(group: Group): Promise<boolean> {
    const buffers = group.records.map((r) => r.encoded as Buffer);
    const bytes = buffers.reduce((sum, b) => sum + b.length, 0);
    let delay = RETRY_WRITE_MIN_MS;
    for (;;) {
      const active = this.#segments[this.#segments.length - 1] as SegmentInfo;
      try {
        await this.#writeAll(buffers, active.size);
        if (this.#o.fsync === 'batch') await this.#active.datasync();
        else this.#unsynced = true;
        active.size += bytes;
        this.#pendingBytes -= bytes;
        if (this.#blocked !== undefined) {
          this.#o.logger.info(`storage is writable again; ${this.#o.directory} accepts events`);
          this.#blocked = undefined;
          this.#roomFreed.notify();
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

  async #writeAll(buffers: Buffer[], position: number): Promise<void> {
    let remaining = buffers;
    let at = position;
    while (remaining.length > 0) {
      const { bytesWritten } = await this.#active.writev(remaining, at);
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
    const info: SegmentInfo = { firstSeq: this.#writtenSeq, path: segmentPath(this.#segmentsDir, this.#writtenSeq), size: 0 };
    this.#active = await open(info.path, 'a');
    this.#segments.push(info);
    if (this.#writtenState !== undefined) {
      const carried = encodeRecord(this.#writtenSeq, this.#lastReceivedAt, [], this.#writtenState);
      await this.#writeAll([carried], 0);
      await this.#active.datasync();
      info.size = carried.length;
    }
    await syncDirectory(this.#segmentsDir);
  }

  #cacheRecord(record: CachedRecord): void {
    this.#cache.push(record);
    this.#cacheBytes += record.bytes;
    while (this.#cacheBytes > this.#o.cacheBytes && this.#cacheHead < this.#cache.length - 1) this.#evictOne();
  }

  #evictOne(): void {
    const record = this.#cache[this.#cacheHead] as CachedRecord;
    this.#cacheBytes -= record.bytes;
    this.#cache[this.#cacheHead] = undefined as unknown as CachedRecord;
    this.#cacheHead++;
    if (this.#cacheHead > 1024 && this.#cacheHead * 2 > this.#cache.length) {
      this.#cache.splice(0, this.#cacheHead);
      this.#cacheHead = 0;
    }
  }

  /** @internal the cached record holding seq, if it is still cached. */
  cachedAt(seq: number): { record: CachedRecord; offset: number } | undefined {
    let low = this.#cacheHead;
    let high = this.#cache.length - 1;
    if (low > high || seq < (this.#cache[low] as CachedRecord).firstSeq) return undefined;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const record = this.#cache[mid] as CachedRecord;
      if (seq < record.firstSeq) high = mid - 1;
      else if (seq >= record.firstSeq + record.lines.length) low = mid + 1;
      else return { record, offset: seq - record.firstSeq };
    }
    return undefined;
  }

  /** @internal */
  get segments(): readonly SegmentInfo[] {
    return this.#segments;
  }

  cursor(name: string, options: { readonly durable?: boolean } = {}): LogCursor {
    const durable = options.durable !== false;
    const start = durable ? (this.#starts.get(name) ?? this.#endSeq) : this.#endSeq;
    const cursor = new DiskCursor(this, name, start, durable, (report) => this.#reportCorruption(report));
    this.#cursors.push(cursor);
    // Saved at once, so that an exporter that has not finished anything yet is not taken for a new one next time.
    if (durable) this.#store.set(name, start);
    return cursor;
  }

  #reportCorruption(report: CorruptionReport & { lostEvents: number | undefined }): void {
    // Every cursor meets the same damage; say it once.
    const key = `${report.segment}:${report.offset}`;
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    this.#o.logger.error('damaged record in the event log skipped; intact records around it are kept', {
      segment: report.segment,
      offset: report.offset,
      bytes: report.bytes,
      ...(report.lostEvents === undefined ? {} : { lostEvents: report.lostEvents }),
    });
    this.#o.onCorruption?.(report);
  }

  /** @internal a cursor moved: save it, drop what every cursor has passed. */
  committed(cursor: DiskCursor): void {
    if (cursor.durable) this.#store.set(cursor.name, cursor.committed);
    const lowest = Math.min(...this.#cursors.map((c) => c.committed));
    while (this.#cacheHead < this.#cache.length) {
      const record = this.#cache[this.#cacheHead] as CachedRecord;
      if (record.firstSeq + record.lines.length > lowest) break;
      this.#evictOne();
    }
    let freed = false;
    while (this.#segments.length > 1 && (this.#segments[1] as SegmentInfo).firstSeq <= lowest) {
      const gone = this.#segments.shift() as SegmentInfo;
      freed = true;
      void unlink(gone.path).catch((error: unknown) => this.#o.logger.warn('could not delete a delivered log segment', { path: gone.path, error: (error as Error).message }));
    }
    if (freed || lowest >= this.#endSeq) this.#roomFreed.notify();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#roomFreed.notify();
    this.#written.notify();
    await this.#flushing;
    if (this.#syncTimer) clearInterval(this.#syncTimer);
    await this.#syncNow();
    await Promise.all(this.#cursors.map((c) => c.close()));
    await this.#store.flush();
    await this.#active.close().catch(() => undefined);
    await this.#release();
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

/**
 * Reads the newest segments back at open: finds where the log ends, cuts off a torn write
 * at the very end, reports damaged records, and returns the processor state carried by
 * the last intact record. Older segments are checked as they are read.
 */
async function recoverTail(segments: SegmentInfo[], options: DiskLogOptions): Promise<{ endSeq: number; state: AppendState | undefined }> {
  const newest = segments[segments.length - 1];
  for (let index = segments.length - 1; index >= 0; index--) {
    const segment = segments[index] as SegmentInfo;
    const last = await scanSegment(segment, index === segments.length - 1, options.logger);
    if (last === undefined) continue; // an empty segment (just rolled): the one before holds the end
    const state = last.state === undefined ? undefined : (JSON.parse(last.state) as Record<string, JsonValue>);
    return { endSeq: Math.max(last.firstSeq + last.count, newest?.firstSeq ?? 0), state };
  }
  return { endSeq: newest?.firstSeq ?? 0, state: undefined };
}

/** Scans one segment; in the newest one a torn tail is truncated. Returns its last intact record. */
async function scanSegment(segment: SegmentInfo, newest: boolean, logger: Logger): Promise<{ firstSeq: number; count: number; state: string | undefined } | undefined> {
  const handle = await open(segment.path, 'r');
  try {
    let last: { firstSeq: number; count: number; offset: number } | undefined;
    const scanner = new SegmentScanner(handle, 0, segment.size);
    for (let item = await scanner.next(() => false); item !== undefined; item = await scanner.next(() => false)) {
      if (item.kind === 'record') last = { firstSeq: item.firstSeq, count: item.count, offset: item.offset };
      else if (item.kind === 'corrupt') logger.error('damaged record in the event log skipped; intact records around it are kept', { segment: segment.path, offset: item.offset, bytes: item.length });
      else if (newest) {
        logger.warn('incomplete write at the end of the event log (a crash mid-write) cut off; it was never acknowledged', { segment: segment.path, offset: item.offset, bytes: item.length });
        await truncate(segment.path, item.offset);
        segment.size = item.offset;
      }
    }
    if (last === undefined) return undefined;
    // Decode only the last record, for the processor state it carries.
    const again = new SegmentScanner(handle, last.offset, segment.size);
    const item = await again.next();
    return { firstSeq: last.firstSeq, count: last.count, state: item?.kind === 'record' ? item.record?.state : undefined };
  } finally {
    await handle.close();
  }
}

class DiskCursor implements LogCursor {
  readonly name: string;
  readonly durable: boolean;
  readonly #log: DiskLog;
  readonly #reader: DiskReader;
  readonly #onCorruption: (report: CorruptionReport & { lostEvents: number | undefined }) => void;
  #committed: number;
  #readPosition: number;
  #pendingCorruption: CorruptionReport | undefined;

  constructor(log: DiskLog, name: string, start: number, durable: boolean, onCorruption: (report: CorruptionReport & { lostEvents: number | undefined }) => void) {
    this.#log = log;
    this.name = name;
    this.durable = durable;
    this.#committed = start;
    this.#readPosition = start;
    this.#onCorruption = onCorruption;
    this.#reader = new DiskReader(
      () => log.segments,
      (report) => {
        this.#pendingCorruption = report;
      },
    );
  }

  get committed(): number {
    return this.#committed;
  }
  get readPosition(): number {
    return this.#readPosition;
  }

  available(): number {
    return Math.max(0, this.#log.writtenSeq - this.#readPosition);
  }

  availableBytes(): number {
    const cached = this.#log.cachedAt(this.#readPosition);
    // Exact enough: used only to flush early on size; records on disk are assumed average.
    return cached === undefined ? this.available() * 512 : this.available() * Math.ceil(cached.record.bytes / cached.record.lines.length);
  }

  nextReceivedAt(): number | undefined {
    return this.#log.cachedAt(this.#readPosition)?.record.receivedAt ?? (this.available() > 0 ? 0 : undefined);
  }

  async waitForData(signal: AbortSignal): Promise<void> {
    while (this.available() === 0 && !signal.aborted && !this.#log.closed) await untilAborted(this.#log.nextAppend(), signal);
  }

  async take(maxEvents: number, maxBytes: number): Promise<LogSlice | undefined> {
    const end = this.#log.writtenSeq;
    if (this.#readPosition >= end) return undefined;
    if (this.#log.cachedAt(this.#readPosition) !== undefined) {
      const slice = sliceRecords((seq) => this.#log.cachedAt(seq), this.#readPosition, end, maxEvents, maxBytes);
      if (slice !== undefined) this.#readPosition = slice.firstSeq + slice.lines.length;
      return slice;
    }
    return this.#takeFromDisk(end, maxEvents, maxBytes);
  }

  async #takeFromDisk(end: number, maxEvents: number, maxBytes: number): Promise<LogSlice | undefined> {
    const records: Array<{ firstSeq: number; receivedAt: number; lines: readonly string[]; events: undefined; sizes: Uint32Array }> = [];
    let seq = this.#readPosition;
    let events = 0;
    let bytes = 0;
    while (seq < end && events < maxEvents && bytes < maxBytes && this.#log.cachedAt(seq) === undefined) {
      const record = await this.#reader.recordFor(seq, end);
      this.#flushCorruption(seq, record?.firstSeq);
      if (record === undefined) break;
      if (record.firstSeq > seq) {
        if (records.length > 0) break; // a slice is contiguous; the gap starts the next one
        seq = record.firstSeq;
        this.#readPosition = seq;
      }
      records.push({ firstSeq: record.firstSeq, receivedAt: record.receivedAt, lines: record.lines, events: undefined, sizes: record.sizes });
      const from = seq - record.firstSeq;
      events += record.count - from;
      bytes += record.bytes;
      seq = record.firstSeq + record.count;
    }
    if (records.length === 0) return undefined;
    const at = (s: number) => {
      for (const record of records) if (s >= record.firstSeq && s < record.firstSeq + record.lines.length) return { record, offset: s - record.firstSeq };
      return undefined;
    };
    const slice = sliceRecords(at, this.#readPosition, Math.min(end, seq), maxEvents, maxBytes);
    if (slice !== undefined) this.#readPosition = slice.firstSeq + slice.lines.length;
    return slice;
  }

  /** Reports damage met while looking for `expected`; the next intact record tells how many events it held. */
  #flushCorruption(expected: number, nextSeq: number | undefined): void {
    const report = this.#pendingCorruption;
    if (report === undefined) return;
    this.#pendingCorruption = undefined;
    this.#onCorruption({ ...report, lostEvents: nextSeq === undefined ? undefined : Math.max(0, nextSeq - expected) });
  }

  commit(upTo: number): void {
    if (upTo <= this.#committed) return;
    // Events lost to damage were skipped by the read position; commit past them too.
    this.#committed = upTo;
    this.#log.committed(this);
  }

  close(): Promise<void> {
    return this.#reader.close();
  }
}
