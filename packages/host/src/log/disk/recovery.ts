import { open, stat, truncate } from 'node:fs/promises';
import type { JsonValue, Logger } from '@ferry/sdk';
import type { AppendState } from '../types.js';
import { SegmentScanner } from './scanner.js';
import { listSegments, type SegmentInfo } from './segments.js';

export interface Recovered {
  /** Every segment on disk, oldest first, each with its intact size. */
  readonly segments: SegmentInfo[];
  /** The sequence number the next append gets. */
  readonly endSeq: number;
  /** The processor state carried by the last intact record. */
  readonly state: AppendState | undefined;
}

/**
 * Reads the log back at open: lists the segments, cuts off a torn write at the very end
 * of the newest one (a crash mid-write: it was never acknowledged), reports damage met on
 * the way, and finds where the log ends and the processor state it ends with. Older
 * segments are checked as cursors read them.
 */
export async function recoverSegments(segmentsDirectory: string, logger: Logger, options: { readonly readOnly?: boolean } = {}): Promise<Recovered> {
  const segments: SegmentInfo[] = [];
  for (const s of await listSegments(segmentsDirectory)) segments.push({ ...s, size: (await stat(s.path)).size });
  const newest = segments[segments.length - 1];
  for (let index = segments.length - 1; index >= 0; index--) {
    const segment = segments[index] as SegmentInfo;
    const last = await scanSegment(segment, index === segments.length - 1 && options.readOnly !== true, logger);
    if (last === undefined) continue; // an empty segment (just rolled): the one before holds the end
    const state = last.state === undefined ? undefined : (JSON.parse(last.state) as Record<string, JsonValue>);
    return { segments, endSeq: Math.max(last.firstSeq + last.count, newest?.firstSeq ?? 0), state };
  }
  return { segments, endSeq: newest?.firstSeq ?? 0, state: undefined };
}

/** Scans one segment; with `cutTornTail` (the newest one, opened for writing) a torn tail is truncated. Returns its last intact record. */
async function scanSegment(segment: SegmentInfo, cutTornTail: boolean, logger: Logger): Promise<{ firstSeq: number; count: number; state: string | undefined } | undefined> {
  const handle = await open(segment.path, 'r');
  try {
    let last: { firstSeq: number; count: number; offset: number } | undefined;
    const scanner = new SegmentScanner(handle, 0, () => segment.size);
    for (let item = await scanner.next(() => false); item !== undefined; item = await scanner.next(() => false)) {
      if (item.kind === 'record') last = { firstSeq: item.firstSeq, count: item.count, offset: item.offset };
      else if (item.kind === 'corrupt' || !cutTornTail) logger.error('damaged record in the event log; the events it held are reported as lost when an exporter reaches them, intact records around it are kept', { segment: segment.path, offset: item.offset, bytes: item.length });
      else {
        logger.warn('incomplete write at the end of the event log (a crash mid-write) cut off; it was never acknowledged', { segment: segment.path, offset: item.offset, bytes: item.length });
        await truncate(segment.path, item.offset);
        segment.size = item.offset;
      }
    }
    if (last === undefined) return undefined;
    // Decode only the last record, for the processor state it carries.
    const item = await new SegmentScanner(handle, last.offset, () => segment.size).next();
    return { firstSeq: last.firstSeq, count: last.count, state: item?.kind === 'record' ? item.record?.state : undefined };
  } finally {
    await handle.close();
  }
}
