import { open, type FileHandle } from 'node:fs/promises';
import type { DecodedRecord } from './format.js';
import { SegmentScanner } from './scanner.js';
import { segmentIndexFor, type SegmentInfo } from './segments.js';

/** A stretch of bytes in a segment that is not an intact record. */
export interface DamagedStretch {
  readonly segment: string;
  readonly offset: number;
  readonly bytes: number;
}

/**
 * What the log holds at a sequence number, as the disk tells it:
 * - `record`: the intact record holding it;
 * - `damaged`: events [from, to) are lost, and the damaged stretches found exactly where
 *   they were written account for them;
 * - `gap`: events [from, to) are missing and no damage accounts for them. The log never
 *   writes such a gap, so it is a bug (or files changed behind Ferry's back): a reader
 *   must stop there, never skip it.
 */
export type ReadItem =
  | { readonly kind: 'record'; readonly record: DecodedRecord }
  | { readonly kind: 'damaged'; readonly from: number; readonly to: number; readonly stretches: readonly DamagedStretch[] }
  | { readonly kind: 'gap'; readonly from: number; readonly to: number; readonly segment: string };

type Missing = Exclude<ReadItem, { kind: 'record' }>;

/**
 * Reads a pipeline's segments in sequence order for one cursor that is behind the
 * in-memory cache (after a restart or while a destination lags). It reads the active
 * segment up to what is written now, and a segment that rolled meanwhile to its final
 * end, so nothing appended between two reads is ever passed over.
 */
export class DiskReader {
  readonly #segments: () => readonly SegmentInfo[];
  #segment: SegmentInfo | undefined;
  #handle: FileHandle | undefined;
  #scanner: SegmentScanner | undefined;
  /** Where the last intact record read from this segment ended (or the segment's first sequence number). */
  #nextSeq = 0;
  /** Damage met since that record. */
  #damage: DamagedStretch[] = [];
  #current: DecodedRecord | undefined;
  /** A missing range already found, handed out again until the reader moves past it. */
  #missing: Missing | undefined;
  #harmless: DamagedStretch[] = [];

  constructor(segments: () => readonly SegmentInfo[]) {
    this.#segments = segments;
  }

  /** What holds `seq`, or undefined when nothing durable holds it yet (`end` is the durable end). */
  async read(seq: number, end: number): Promise<ReadItem | undefined> {
    if (seq >= end) return undefined;
    const current = this.#current;
    if (current !== undefined && seq >= current.firstSeq && seq < current.firstSeq + current.count) return { kind: 'record', record: current };
    const missing = this.#missing;
    if (missing !== undefined && seq >= missing.from && seq < missing.to) return missing;
    this.#missing = undefined;
    const segments = this.#segments();
    const wanted = segments[segmentIndexFor(segments, seq)] as SegmentInfo;
    // Cursors only move forward: a reader already in the segment holding seq continues from where it is.
    if (this.#segment !== wanted) await this.#openSegment(wanted);
    for (;;) {
      const segment = this.#segment as SegmentInfo;
      const item = await (this.#scanner as SegmentScanner).next((firstSeq, count) => firstSeq + count > seq);
      if (item === undefined) {
        const now = this.#segments();
        const index = now.indexOf(segment);
        // The active segment: nothing more is written yet.
        if (index === now.length - 1) return undefined;
        if (index === -1) throw new Error(`log segment ${segment.path} was deleted while a cursor still needed event ${seq}`);
        const next = now[index + 1] as SegmentInfo;
        if (next.firstSeq > seq) return this.#miss(seq, next.firstSeq, segment);
        await this.#openSegment(next);
        continue;
      }
      if (item.kind !== 'record' || (item.record === undefined && item.firstSeq + item.count > seq)) {
        // A bad checksum, a torn write, or an intact checksum over contents that do not add up.
        this.#damage.push({ segment: segment.path, offset: item.offset, bytes: item.length });
        continue;
      }
      const record = item.record;
      if (record === undefined) {
        // Wholly before seq: damage before it concerns events this cursor has passed.
        this.#passed(item.firstSeq + item.count);
        continue;
      }
      const missed = record.firstSeq > seq ? this.#miss(seq, record.firstSeq, segment) : undefined;
      if (missed === undefined && record.firstSeq === this.#nextSeq) this.#harmless.push(...this.#damage);
      this.#current = record;
      this.#passed(record.firstSeq + record.count);
      return missed ?? { kind: 'record', record };
    }
  }

  /**
   * Damage found right before the record a cursor reads next that held no events (a
   * damaged stretch between two records that still follow on, or a damaged empty state
   * record): reported, though nothing was lost.
   */
  takeHarmlessDamage(): DamagedStretch[] {
    return this.#harmless.splice(0);
  }

  #passed(recordEnd: number): void {
    this.#damage = [];
    this.#nextSeq = Math.max(this.#nextSeq, recordEnd);
  }

  #miss(from: number, to: number, segment: SegmentInfo): Missing {
    const missing: Missing = this.#damage.length > 0 ? { kind: 'damaged', from, to, stretches: this.#damage } : { kind: 'gap', from, to, segment: segment.path };
    this.#damage = [];
    this.#missing = missing;
    return missing;
  }

  async #openSegment(segment: SegmentInfo): Promise<void> {
    await this.close();
    this.#segment = segment;
    this.#handle = await open(segment.path, 'r');
    this.#scanner = new SegmentScanner(this.#handle, 0, () => segment.size);
    this.#nextSeq = segment.firstSeq;
    this.#damage = [];
    this.#current = undefined;
  }

  /** Forgets where it was: the next read finds its segment again from the start (a cursor went back). */
  async reset(): Promise<void> {
    await this.close();
    this.#current = undefined;
    this.#missing = undefined;
    this.#damage = [];
    this.#harmless = [];
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    this.#scanner = undefined;
    this.#segment = undefined;
    await handle?.close();
  }
}
