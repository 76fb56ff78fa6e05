import { join } from 'node:path';
import { ShutdownError, type FerryEvent, type Logger } from '@ferry/sdk';
import type { AppendState, CursorLedger, EventLog, LogCursor, LossRecord } from '../types.js';
import { Signal } from '../../util/signal.js';
import { lineSizes, type LineSizes, type RecordLookup } from '../records.js';
import { DiskReader } from './reader.js';
import { DiskCursor, type CursorHost } from './disk-cursor.js';
import { CursorJournal, loadJournals, type JournalState } from './cursor-journal.js';
import { RecordCache } from './record-cache.js';
import { recoverSegments } from './recovery.js';
import { SegmentWriter, type PendingRecord } from './writer.js';
import type { SegmentInfo } from './segments.js';
import { acquireLock } from './lock.js';
import { ensureDirectory, StorageError } from './disk-errors.js';

export interface DiskLogOptions {
  readonly directory: string;
  readonly fsync: 'batch' | 'interval';
  readonly fsyncIntervalMs: number;
  /** Most bytes the log keeps on disk; past it appends wait (the source is pushed back). */
  readonly maxBytes: number;
  /** Most bytes of recent records kept in memory for exporters that keep up. */
  readonly cacheBytes: number;
  readonly segmentBytes: number;
  /** The exporters reading this log durably (their positions are kept; others are dropped). */
  readonly cursorNames: readonly string[];
  readonly logger: Logger;
  /** Called for every range an exporter passes because damage destroyed it (possibly empty: damage that held no events), with how many damaged stretches no exporter had met before (for telemetry). */
  readonly onDamage?: (exporter: string, loss: LossRecord, newStretches: number) => void;
}

interface Opened {
  readonly writer: SegmentWriter;
  readonly endSeq: number;
  readonly state: AppendState | undefined;
  readonly release: () => Promise<void>;
  readonly journals: Map<string, CursorJournal>;
}

/**
 * The log with persistence: a write-ahead log of segment files (`writer.ts`), read back
 * at open (`recovery.ts`), with the newest records also in memory (`record-cache.ts`), and
 * one cursor per exporter (`disk-cursor.ts`) whose position and batch cuts are kept in a
 * journal (`cursor-journal.ts`). Segments every cursor has passed — as saved on disk, so
 * a restart never finds its position deleted — are deleted.
 *
 * Damage is survived, never fatal and never silent: a torn write at the end is cut off at
 * open (it was never acknowledged); a damaged record in the middle is skipped by every
 * cursor that reaches it, which counts and reports exactly the events it held, while every
 * intact record around it is kept; a write that fails (disk full, read-only) is retried
 * until it succeeds while receivers are pushed back.
 */
export class DiskLog implements EventLog, CursorHost {
  readonly #o: DiskLogOptions;
  readonly #writer: SegmentWriter;
  readonly #cache: RecordCache;
  readonly #release: () => Promise<void>;
  readonly #journals: Map<string, CursorJournal>;
  readonly #cursors: Array<{ cursor: DiskCursor; journal: CursorJournal | undefined }> = [];
  readonly #written = new Signal();
  readonly #roomFreed = new Signal();
  readonly #reported = new Set<string>();
  readonly restoredState: AppendState | undefined;
  #endSeq: number;
  #closed = false;
  /** Deleting segments (after the positions below them are synced); one at a time. */
  #deleting: Promise<void> | undefined;

  private constructor(options: DiskLogOptions, opened: Opened) {
    this.#o = options;
    this.#writer = opened.writer;
    this.#endSeq = opened.endSeq;
    this.restoredState = opened.state;
    this.#release = opened.release;
    this.#journals = opened.journals;
    this.#cache = new RecordCache(options.cacheBytes);
  }

  static async open(options: DiskLogOptions): Promise<DiskLog> {
    try {
      return await DiskLog.#open(options);
    } catch (error) {
      throw error instanceof StorageError ? error : new StorageError(options.directory, error);
    }
  }

  static async #open(options: DiskLogOptions): Promise<DiskLog> {
    const segmentsDirectory = join(options.directory, 'segments');
    const cursorsDirectory = join(options.directory, 'cursors');
    await ensureDirectory(segmentsDirectory);
    await ensureDirectory(cursorsDirectory);
    const release = await acquireLock(options.directory);
    try {
      const recovered = await recoverSegments(segmentsDirectory, options.logger);
      const oldest = recovered.segments[0]?.firstSeq ?? recovered.endSeq;
      const stored = await loadJournals(cursorsDirectory, options.cursorNames, options.logger);
      const journals = new Map<string, CursorJournal>();
      for (const name of options.cursorNames) {
        const state = startOf(name, stored.get(name), oldest, recovered.endSeq, options.logger);
        journals.set(name, await CursorJournal.open(cursorsDirectory, name, options.logger, state));
      }
      const late = { written: (_records: readonly PendingRecord[]) => {}, writable: () => {} };
      const writer = await SegmentWriter.open(
        {
          segmentsDirectory,
          directory: options.directory,
          fsync: options.fsync,
          fsyncIntervalMs: options.fsyncIntervalMs,
          segmentBytes: options.segmentBytes,
          logger: options.logger,
          onWritten: (records) => late.written(records),
          onWritable: () => late.writable(),
        },
        recovered.segments,
        recovered.endSeq,
        recovered.state === undefined ? undefined : JSON.stringify(recovered.state),
      );
      const log = new DiskLog(options, { writer, endSeq: recovered.endSeq, state: recovered.state, release, journals });
      late.written = (records) => log.#onWritten(records);
      late.writable = () => log.#roomFreed.notify();
      return log;
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
    return this.#writer.writtenSeq;
  }
  get retainedBytes(): number {
    return this.#writer.retainedBytes;
  }
  get retainedEvents(): number {
    return this.#endSeq - Math.min(this.#endSeq, ...this.#cursors.map((c) => c.cursor.committed));
  }
  get closed(): boolean {
    return this.#closed;
  }
  /** Why writes are failing, while they are. */
  get blocked(): string | undefined {
    return this.#writer.blocked;
  }
  /** @internal oldest first; the last is being written. */
  get segments(): readonly SegmentInfo[] {
    return this.#writer.segments;
  }

  /** @internal Bytes of recent records held in memory (`storage.cacheBytes` at most, but for one record over it). */
  get cachedBytes(): number {
    return this.#cache.bytes;
  }

  readonly cached: RecordLookup = (seq) => this.#cache.at(seq);

  hasRoom(bytes: number): boolean {
    if (this.#writer.blocked !== undefined) return false;
    const retained = this.retainedBytes;
    return retained === 0 || retained + bytes <= this.#o.maxBytes || this.#cursors.every((c) => c.cursor.committed >= this.#endSeq);
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

  append(events: readonly FerryEvent[], lines: readonly string[], state?: AppendState, sized?: LineSizes): Promise<void> {
    if (this.#closed) return Promise.reject(new ShutdownError('the pipeline is shutting down'));
    if (events.length === 0) return Promise.resolve();
    const firstSeq = this.#endSeq;
    // Monotonic, so archive keys built from it sort in acceptance order even if the clock steps back.
    const receivedAt = Math.max(Date.now(), this.#writer.lastReceivedAt);
    const { sizes, bytes } = sized ?? lineSizes(lines);
    const record = SegmentWriter.encode(firstSeq, receivedAt, { lines, sizes, bytes }, state === undefined ? undefined : JSON.stringify(state));
    this.#endSeq += events.length;
    return this.#writer.write(record);
  }

  #onWritten(records: readonly PendingRecord[]): void {
    for (const { firstSeq, receivedAt, lines, sizes, bytes } of records) {
      if (this.#worthCaching(firstSeq, bytes / Math.max(1, lines.length))) this.#cache.add({ firstSeq, receivedAt, lines, sizes, bytes });
      // The cache is one run ending at the written end, so a record left out empties it.
      else this.#cache.clear();
    }
    this.#written.notify();
  }

  /**
   * Whether an exporter can still take the record at `firstSeq` from memory: the cursor
   * furthest ahead is less than the cache's bytes behind it. When every exporter lags by
   * more (a destination down, a backlog after a restart), the record would be evicted
   * before anyone reached it: caching it would only hold memory for as long as the
   * backlog lasts. Caching starts again once an exporter has caught up that close.
   */
  #worthCaching(firstSeq: number, bytesPerEvent: number): boolean {
    if (this.#cursors.length === 0) return true;
    let lead = 0;
    for (const { cursor } of this.#cursors) lead = Math.max(lead, cursor.readPosition);
    return (firstSeq - lead) * bytesPerEvent <= this.#o.cacheBytes;
  }

  /**
   * The cursor an exporter reads with. A durable one resumes where its journal says, and
   * cuts again the batches it had cut but not committed; one that is not starts at the end.
   */
  cursor(name: string, options: { readonly durable?: boolean } = {}): LogCursor {
    const durable = options.durable !== false;
    const journal = durable ? this.#journals.get(name) : undefined;
    if (durable && journal === undefined) throw new Error(`no saved position for exporter "${name}": the log was opened for ${this.#o.cursorNames.join(', ') || 'no exporter'}`);
    const ledger = journal?.ledger ?? fresh(this.#endSeq);
    const cursor = new DiskCursor(this, new DiskReader(() => this.#writer.segments), name, { ledger, durable, replay: journal?.pendingCuts ?? [] });
    this.#cursors.push({ cursor, journal });
    return cursor;
  }

  async ensureCursor(name: string): Promise<void> {
    if (this.#journals.has(name)) return;
    const directory = join(this.#o.directory, 'cursors');
    this.#journals.set(name, await CursorJournal.open(directory, name, this.#o.logger, { ledger: fresh(this.#endSeq), cuts: [], losses: [], unreadableLines: 0 }));
  }

  retire(cursor: LogCursor): number {
    // Its position keeps holding the events it has not finished until the next start, when an exporter no longer configured is let go (and said so).
    return this.#endSeq - cursor.committed;
  }

  /** @internal CursorHost */
  pendingCuts(cursor: DiskCursor): ReadonlyArray<readonly [number, number]> {
    return this.#journalOf(cursor)?.pendingCuts ?? [];
  }

  /** @internal CursorHost */
  savedLedger(cursor: DiskCursor): CursorLedger | undefined {
    return this.#journalOf(cursor)?.persistedLedger;
  }

  /** @internal CursorHost: a cursor moved; save it, then drop what every cursor has passed. */
  moved(cursor: DiskCursor): void {
    this.#journalOf(cursor)?.setLedger(cursor.ledger, () => this.#trim());
    this.#trim();
  }

  #journalOf(cursor: DiskCursor): CursorJournal | undefined {
    return this.#cursors.find((c) => c.cursor === cursor)?.journal;
  }

  /** @internal CursorHost */
  async cut(cursor: DiskCursor, from: number, to: number): Promise<void> {
    await this.#journalOf(cursor)?.cut(from, to);
  }

  /** @internal CursorHost: reports a range lost to damage once per damaged stretch, counts it for every cursor. */
  async damaged(cursor: DiskCursor, loss: LossRecord): Promise<void> {
    const fresh = loss.stretches.filter((s) => !this.#reported.has(`${s.segment}:${s.offset}`));
    for (const s of fresh) this.#reported.add(`${s.segment}:${s.offset}`);
    if (fresh.length > 0 || loss.to > loss.from) {
      this.#o.logger.error(
        loss.to > loss.from
          ? `damaged records in the event log: events ${loss.from}–${loss.to - 1} (${loss.to - loss.from}) are lost for exporter "${cursor.name}"; every intact record around them is kept`
          : 'damaged bytes between records in the event log skipped; they held no events',
        { exporter: cursor.name, lostEvents: loss.to - loss.from, stretches: loss.stretches.map((s) => `${s.segment}@${s.offset}+${s.bytes}`) },
      );
    }
    this.#o.onDamage?.(cursor.name, loss, fresh.length);
    if (loss.to > loss.from) await this.#journalOf(cursor)?.loss(loss);
  }

  /** Drops cached records and whole segments below the lowest position saved on disk. */
  #trim(): void {
    if (this.#cursors.length === 0) return;
    let inMemory = Infinity;
    let saved = Infinity;
    for (const { cursor, journal } of this.#cursors) {
      inMemory = Math.min(inMemory, cursor.committed);
      saved = Math.min(saved, journal === undefined ? cursor.committed : journal.persistedLedger.committed);
    }
    this.#cache.dropBelow(inMemory);
    if (inMemory >= this.#endSeq) this.#roomFreed.notify();
    const segments = this.#writer.segments;
    if (this.#deleting !== undefined || this.#closed || segments.length < 2 || (segments[1] as SegmentInfo).firstSeq > saved) return;
    this.#deleting = (async () => {
      // On disk for good before the segments below it go, so a power cut never leaves a position older than the oldest segment.
      await Promise.all(this.#cursors.map((c) => c.journal?.sync()));
      if (this.#writer.deleteBelow(saved)) this.#roomFreed.notify();
    })().finally(() => {
      this.#deleting = undefined;
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#roomFreed.notify();
    this.#written.notify();
    await this.#writer.close();
    await Promise.all(this.#cursors.map((c) => c.cursor.close()));
    await this.#deleting;
    await Promise.all([...this.#journals.values()].map((journal) => journal.close()));
    await this.#release();
  }
}

/** Where a durable cursor starts, from its journal, said plainly when it is not where it stopped. */
function startOf(name: string, stored: JournalState | 'unreadable' | undefined, oldest: number, endSeq: number, logger: Logger): JournalState {
  const start = (ledger: CursorLedger): JournalState => ({ ledger, cuts: [], losses: [], unreadableLines: 0 });
  if (stored === undefined) return start(fresh(endSeq));
  if (stored === 'unreadable') {
    logger.warn(`the saved position of exporter "${name}" is unreadable; it restarts from the oldest event kept, so some events may be sent to it again`);
    return start(fresh(oldest));
  }
  if (stored.unreadableLines > 0) {
    logger.warn(`${stored.unreadableLines} unreadable entries in the saved position of exporter "${name}" skipped (a write cut short); at worst some events are sent to it again`);
  }
  if (stored.ledger.committed > endSeq) {
    logger.error(`the saved position of exporter "${name}" (${stored.ledger.committed}) is past the end of the log (${endSeq}): the log's segment files were removed or replaced; it continues from the end`);
    return { ...stored, ledger: { ...stored.ledger, committed: endSeq }, cuts: [] };
  }
  // A position before the oldest segment is not moved up to it: the cursor stops in front of the missing events and says so.
  return stored;
}

function fresh(at: number): CursorLedger {
  return { origin: at, committed: at, delivered: 0, deadLettered: 0, lost: 0 };
}
