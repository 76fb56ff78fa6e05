import { open, type FileHandle } from 'node:fs/promises';
import type { DecodedRecord } from './format.js';
import { SegmentScanner } from './scanner.js';
import { segmentIndexFor, type SegmentInfo } from './segments.js';

export interface CorruptionReport {
  readonly segment: string;
  readonly offset: number;
  readonly bytes: number;
}

/**
 * Reads decoded records from the segments in sequence order for one cursor, from disk,
 * for a cursor that is behind the in-memory cache (after a restart or an outage).
 */
export class DiskReader {
  readonly #segments: () => readonly SegmentInfo[];
  readonly #onCorruption: (report: CorruptionReport) => void;
  #segment: SegmentInfo | undefined;
  #handle: FileHandle | undefined;
  #scanner: SegmentScanner | undefined;
  #current: DecodedRecord | undefined;

  constructor(segments: () => readonly SegmentInfo[], onCorruption: (report: CorruptionReport) => void) {
    this.#segments = segments;
    this.#onCorruption = onCorruption;
  }

  async #openSegment(segment: SegmentInfo, offset: number): Promise<void> {
    await this.close();
    this.#segment = segment;
    this.#handle = await open(segment.path, 'r');
    this.#scanner = new SegmentScanner(this.#handle, offset, segment.size);
  }

  /**
   * The record holding `seq`, or the first record after it when `seq` was lost to
   * corruption; undefined when nothing durable holds it yet (`end` is the durable end).
   */
  async recordFor(seq: number, end: number): Promise<DecodedRecord | undefined> {
    if (seq >= end) return undefined;
    const current = this.#current;
    if (current !== undefined && seq >= current.firstSeq && seq < current.firstSeq + current.count) return current;
    if (current !== undefined && current.firstSeq > seq) return current;
    const segments = this.#segments();
    if (segments.length === 0) return undefined;
    const wanted = segments[segmentIndexFor(segments, seq)] as SegmentInfo;
    // Cursors only move forward, so a reader already in the segment holding seq continues from where it is.
    if (this.#segment !== wanted) {
      this.#current = undefined;
      await this.#openSegment(wanted, 0);
    }
    for (;;) {
      const segment = this.#segment as SegmentInfo;
      const scanner = this.#scanner as SegmentScanner;
      const item = await scanner.next((firstSeq, count) => firstSeq + count > seq);
      if (item === undefined || item.kind === 'torn') {
        if (item?.kind === 'torn' && segment !== segments[segments.length - 1]) {
          this.#onCorruption({ segment: segment.path, offset: item.offset, bytes: item.length });
        }
        const index = segments.indexOf(segment);
        if (index === -1 || index === segments.length - 1) {
          // The active segment grows: look again from here next time.
          const offset = item?.kind === 'torn' ? item.offset : scanner.offset;
          if (segment.size > offset) {
            this.#scanner = new SegmentScanner(this.#handle as FileHandle, offset, segment.size);
            continue;
          }
          this.#scanner = new SegmentScanner(this.#handle as FileHandle, offset, segment.size);
          return undefined;
        }
        await this.#openSegment(segments[index + 1] as SegmentInfo, 0);
        continue;
      }
      if (item.kind === 'corrupt') {
        this.#onCorruption({ segment: segment.path, offset: item.offset, bytes: item.length });
        continue;
      }
      if (item.firstSeq + item.count <= seq) continue;
      if (item.record === undefined) {
        // Intact checksum but contents that do not add up: as damaged as a bad checksum.
        this.#onCorruption({ segment: segment.path, offset: item.offset, bytes: item.length });
        continue;
      }
      this.#current = item.record;
      return item.record;
    }
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    this.#scanner = undefined;
    this.#segment = undefined;
    await handle?.close();
  }
}
