import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { silentLogger } from '../../telemetry/logger.js';
import type { LossRecord } from '../types.js';
import { readJournals } from './cursor-journal.js';
import { recoverSegments } from './recovery.js';
import { byCodeUnits } from '../../util/compare.js';

/**
 * One exporter's books since it was added to a pipeline, as its storage holds them:
 * `accepted = delivered + deadLettered + lost + queued`, where accepted counts every event
 * the pipeline's log took since the exporter's position was first saved.
 */
export interface StoredBooks {
  readonly pipeline: string;
  readonly exporter: string;
  readonly accepted: number;
  readonly delivered: number;
  readonly deadLettered: number;
  readonly lost: number;
  readonly queued: number;
  /** The newest ranges lost to damage, with where the damage is. */
  readonly losses: readonly LossRecord[];
  /** The saved position could not be read: only `queued` is known (from the oldest event kept). */
  readonly unreadable: boolean;
}

/**
 * Reads every pipeline's log and exporter positions under a storage directory without
 * changing anything (`ferry dlq list` runs beside a live collector). Positions are saved
 * every 200 ms, so beside a running collector the figures may trail it by that much.
 */
export async function readStoredBooks(storageDirectory: string): Promise<StoredBooks[]> {
  const pipelinesDirectory = join(storageDirectory, 'pipelines');
  let pipelines: string[];
  try {
    pipelines = (await readdir(pipelinesDirectory)).sort();
  } catch {
    return [];
  }
  const books: StoredBooks[] = [];
  for (const pipeline of pipelines) {
    const directory = join(pipelinesDirectory, pipeline);
    const { segments, endSeq } = await recoverSegments(join(directory, 'segments'), silentLogger(), { readOnly: true }).catch(() => ({ segments: [], endSeq: 0 }));
    const oldest = segments[0]?.firstSeq ?? endSeq;
    for (const [exporter, { state }] of [...(await readJournals(join(directory, 'cursors')))].sort(([a], [b]) => byCodeUnits(a, b))) {
      if (state === 'unreadable') {
        books.push({ pipeline, exporter, accepted: endSeq - oldest, delivered: 0, deadLettered: 0, lost: 0, queued: endSeq - oldest, losses: [], unreadable: true });
        continue;
      }
      const { origin, committed, delivered, deadLettered, lost } = state.ledger;
      books.push({ pipeline, exporter, accepted: Math.max(endSeq, committed) - origin, delivered, deadLettered, lost, queued: Math.max(0, endSeq - committed), losses: state.losses, unreadable: false });
    }
  }
  return books;
}
