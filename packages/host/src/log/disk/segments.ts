import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

const SEQ_DIGITS = 20;
const SUFFIX = '.seg';

export interface SegmentInfo {
  /** Sequence number of the segment's first record (from its file name). */
  readonly firstSeq: number;
  readonly path: string;
  /** Bytes known to be written and intact. */
  size: number;
}

export function segmentPath(directory: string, firstSeq: number): string {
  return join(directory, `${String(firstSeq).padStart(SEQ_DIGITS, '0')}${SUFFIX}`);
}

/** Segment files in sequence order. */
export async function listSegments(directory: string): Promise<Array<{ firstSeq: number; path: string }>> {
  const names = (await readdir(directory)).filter((n) => n.endsWith(SUFFIX) && /^\d+\.seg$/.test(n));
  return names.map((n) => ({ firstSeq: Number(n.slice(0, -SUFFIX.length)), path: join(directory, n) })).sort((a, b) => a.firstSeq - b.firstSeq);
}

/** The index of the segment holding `seq` (the last one starting at or before it). */
export function segmentIndexFor(segments: readonly SegmentInfo[], seq: number): number {
  let low = 0;
  let high = segments.length - 1;
  let found = 0;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    if ((segments[mid] as SegmentInfo).firstSeq <= seq) {
      found = mid;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return found;
}
