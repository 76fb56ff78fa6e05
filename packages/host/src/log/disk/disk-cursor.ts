import type { CursorLedger, Finished, LogCursor, LogSlice, LossRecord } from '../types.js';
import { LogGapError } from '../errors.js';
import { sliceRecords, type LogRecord, type RecordLookup } from '../records.js';
import { untilAborted } from '../../util/abort.js';
import type { DamagedStretch, DiskReader } from './reader.js';

/** What a cursor needs from its log. */
export interface CursorHost {
  /** Sequence numbers below this are written (and synced). */
  readonly writtenSeq: number;
  readonly closed: boolean;
  cached: RecordLookup;
  nextAppend(): Promise<void>;
  /** The cursor moved (or its ledger changed). */
  moved(cursor: DiskCursor): void;
  /** A range lost to damage was passed; `stretches` may be empty only when `lost` is 0. */
  damaged(cursor: DiskCursor, loss: LossRecord): Promise<void>;
  /** Records a batch's range before it is sent (durable cursors). */
  cut(cursor: DiskCursor, from: number, to: number): Promise<void>;
  /** The batches this cursor cut and has not committed, in order (durable cursors). */
  pendingCuts(cursor: DiskCursor): ReadonlyArray<readonly [number, number]>;
  /** The ledger last written to the cursor's journal (durable cursors). */
  savedLedger(cursor: DiskCursor): CursorLedger | undefined;
}

/**
 * One exporter's reader of the disk log: takes from the in-memory cache when it keeps up
 * and from the segment files when it lags, in sequence order, every event once. It passes
 * a range only when damage on disk accounts for exactly that range (counted and reported);
 * any other missing range stops it (LogGapError) in front of the gap.
 *
 * After a restart it first cuts the batches it had cut before the crash, the same way, so
 * a batch sent again is byte for byte the batch sent before.
 */
export class DiskCursor implements LogCursor {
  readonly name: string;
  readonly durable: boolean;
  readonly #host: CursorHost;
  readonly #reader: DiskReader;
  #ledger: CursorLedger;
  #readPosition: number;
  #lostToDamage = 0;
  /** Ranges lost to damage that the read position passed and no commit has yet. */
  readonly #lostAhead: Array<{ from: number; to: number }> = [];
  /** Batches cut before a crash (or before a rewind), to cut again first. */
  #replay: Array<readonly [number, number]>;
  #gap: LogGapError | undefined;
  /** Losses already reported that a rewind made the cursor pass again: counted, not reported twice. */
  readonly #reported = new Map<number, number>();
  /** The reader must start over (the read position went back). */
  #rewound = false;
  #readFromDisk = 0;

  constructor(host: CursorHost, reader: DiskReader, name: string, options: { ledger: CursorLedger; durable: boolean; replay: ReadonlyArray<readonly [number, number]> }) {
    this.#host = host;
    this.#reader = reader;
    this.name = name;
    this.durable = options.durable;
    this.#ledger = options.ledger;
    this.#readPosition = options.ledger.committed;
    this.#replay = options.replay.filter(([, to]) => to > options.ledger.committed).map((cut) => cut);
  }

  get committed(): number {
    return this.#ledger.committed;
  }
  get readPosition(): number {
    return this.#readPosition;
  }
  get ledger(): CursorLedger {
    return this.#ledger;
  }
  get savedLedger(): CursorLedger {
    return this.#host.savedLedger(this) ?? this.#ledger;
  }
  get lostToDamage(): number {
    return this.#lostToDamage;
  }
  get readFromDisk(): number {
    return this.#readFromDisk;
  }
  get uncommittedLoss(): number {
    return this.#lostAhead.reduce((sum, range) => sum + range.to - range.from, 0);
  }
  /** The gap this cursor stopped in front of, if any. */
  get gap(): LogGapError | undefined {
    return this.#gap;
  }

  available(): number {
    return this.#gap === undefined ? Math.max(0, this.#host.writtenSeq - this.#readPosition) : 0;
  }

  availableBytes(): number {
    const cached = this.#host.cached(this.#readPosition);
    // Exact enough: used only to flush early on size; records on disk are assumed average.
    return cached === undefined ? this.available() * 512 : this.available() * Math.ceil(cached.record.bytes / Math.max(1, cached.record.lines.length));
  }

  nextReceivedAt(): number | undefined {
    return this.#host.cached(this.#readPosition)?.record.receivedAt ?? (this.available() > 0 ? 0 : undefined);
  }

  async waitForData(signal: AbortSignal): Promise<void> {
    while (this.available() === 0 && !signal.aborted && !this.#host.closed) await untilAborted(this.#host.nextAppend(), signal);
  }

  rewind(): void {
    for (const range of this.#lostAhead) this.#reported.set(range.from, range.to);
    this.#lostToDamage -= this.uncommittedLoss;
    this.#lostAhead.length = 0;
    this.#readPosition = this.#ledger.committed;
    this.#replay = this.#host.pendingCuts(this).filter(([, to]) => to > this.#ledger.committed);
    this.#rewound = true;
  }

  async take(maxEvents: number, maxBytes: number): Promise<LogSlice | undefined> {
    if (this.#gap !== undefined) throw this.#gap;
    if (this.#rewound) {
      this.#rewound = false;
      await this.#reader.reset();
    }
    for (;;) {
      const from = this.#readPosition;
      let end = this.#host.writtenSeq;
      const replay = this.#replay[0];
      if (replay !== undefined) {
        // Not where it began (a range before it was lost to damage), or over today's batch limits: cut afresh from here.
        if (replay[0] !== from || replay[1] > end || replay[1] - replay[0] > maxEvents) this.#replay.length = 0;
        else end = replay[1];
      }
      const slice = await this.#slice(end, maxEvents, maxBytes);
      if (slice === undefined) {
        // Damage filled the rest of a batch cut before: what follows is cut afresh.
        if (this.#readPosition !== from && this.#readPosition < this.#host.writtenSeq) continue;
        return undefined;
      }
      const to = slice.firstSeq + slice.lines.length;
      this.#readPosition = to;
      const replayed = replay !== undefined && this.#replay[0] === replay && slice.firstSeq === replay[0] && to === replay[1];
      if (replayed) this.#replay.shift();
      else {
        // Cut short (damage inside it, or over today's byte limit): this cut and what follows are new.
        this.#replay.length = 0;
        if (this.durable) await this.#host.cut(this, slice.firstSeq, to);
      }
      return slice;
    }
  }

  async #slice(end: number, maxEvents: number, maxBytes: number): Promise<LogSlice | undefined> {
    for (;;) {
      if (this.#readPosition >= end) return undefined;
      if (this.#host.cached(this.#readPosition) !== undefined) return sliceRecords(this.#host.cached, this.#readPosition, end, maxEvents, maxBytes);
      const fromDisk = await this.#takeFromDisk(end, maxEvents, maxBytes);
      if (fromDisk !== 'passed damage') return fromDisk;
    }
  }

  /** Reads consecutive records from disk until the cache takes over; a slice never spans a missing range. */
  async #takeFromDisk(end: number, maxEvents: number, maxBytes: number): Promise<LogSlice | undefined | 'passed damage'> {
    const records: LogRecord[] = [];
    let seq = this.#readPosition;
    let events = 0;
    let bytes = 0;
    while (seq < end && events < maxEvents && bytes < maxBytes && this.#host.cached(seq) === undefined) {
      const item = await this.#reader.read(seq, end);
      await this.#reportHarmless();
      if (item === undefined) break;
      if (item.kind !== 'record') {
        if (records.length > 0) break; // the slice ends here; the next take meets the missing range
        if (item.kind === 'gap') {
          this.#gap = new LogGapError(this.name, item.from, item.to, item.segment);
          throw this.#gap;
        }
        await this.#passDamage(item.from, item.to, item.stretches);
        return 'passed damage';
      }
      records.push(item.record);
      events += item.record.firstSeq + item.record.count - seq;
      bytes += item.record.bytes;
      seq = item.record.firstSeq + item.record.count;
    }
    if (records.length === 0) return undefined;
    const lookup: RecordLookup = (s) => {
      for (const record of records) if (s >= record.firstSeq && s < record.firstSeq + record.lines.length) return { record, offset: s - record.firstSeq };
      return undefined;
    };
    const slice = sliceRecords(lookup, this.#readPosition, Math.min(end, seq), maxEvents, maxBytes);
    this.#readFromDisk += slice?.lines.length ?? 0;
    return slice;
  }

  async #passDamage(from: number, to: number, stretches: readonly DamagedStretch[]): Promise<void> {
    this.#readPosition = to;
    this.#lostToDamage += to - from;
    if (this.#reported.get(from) !== to) await this.#host.damaged(this, { from, to, at: new Date().toISOString(), stretches });
    this.#lostAhead.push({ from, to });
    // Nothing taken before it is still out: pass it at once.
    this.#advance(this.#ledger.committed, { delivered: 0, deadLettered: 0 });
  }

  async #reportHarmless(): Promise<void> {
    const stretches = this.#reader.takeHarmlessDamage();
    if (stretches.length > 0) await this.#host.damaged(this, { from: this.#readPosition, to: this.#readPosition, at: new Date().toISOString(), stretches });
  }

  commit(upTo: number, finished: Finished): void {
    if (upTo <= this.#ledger.committed) return;
    this.#advance(upTo, finished);
  }

  /** Moves the position to `upTo` and past every lost range that starts there. */
  #advance(upTo: number, finished: Finished): void {
    let committed = upTo;
    let lost = 0;
    while (this.#lostAhead.length > 0 && (this.#lostAhead[0] as { from: number }).from <= committed) {
      const range = this.#lostAhead.shift() as { from: number; to: number };
      lost += range.to - range.from;
      committed = Math.max(committed, range.to);
    }
    if (committed === this.#ledger.committed && lost === 0) return;
    const ledger = this.#ledger;
    this.#ledger = {
      origin: ledger.origin,
      committed,
      delivered: ledger.delivered + finished.delivered,
      deadLettered: ledger.deadLettered + finished.deadLettered,
      lost: ledger.lost + lost,
    };
    this.#host.moved(this);
  }

  close(): Promise<void> {
    return this.#reader.close();
  }
}
