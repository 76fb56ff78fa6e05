/**
 * A 1,000,000-event backlog, in one Ferry process with persistence: the destination (the
 * file archive) is down while the generator serves every event, then comes back. Figures:
 * peak RSS while the backlog builds on disk, the recovery time — from the destination
 * coming back to the last event landing in the archive (the newest object's ctime) — and
 * peak RSS meanwhile; then the archive is checked: every id served, exactly once, unaltered.
 */
import { join } from 'node:path';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { startGenerator } from '@ferry/generator';
import { checkArchive, expectedEvents, type ArchiveCheck } from './archive-check.js';
import { peakRss, runFerry, scratch } from './support.js';

export interface BacklogResult {
  readonly events: number;
  readonly peakRssWhileDown: number;
  /** Destination back to the last event landed. */
  readonly recoverySeconds: number;
  readonly recoveryPerSecond: number;
  readonly peakRssWhileRecovering: number;
  /** The longest wait between two attempts while the destination was down: part of any recovery time. */
  readonly retryIntervalMs: number;
  readonly check: ArchiveCheck;
}

const SEED = 3;
const RETRY_INTERVAL_MS = 1000;

export async function benchmarkBacklog(events: number): Promise<BacklogResult> {
  const generator = await startGenerator({ apiKey: 'k', mode: 'pull', total: events, seed: SEED, keepDelivered: false });
  const work = await scratch();
  try {
    const archive = join(work.dir, 'archive');
    const blocker = join(archive, 'grantex-events');
    // The destination is down: a file stands where the archive's prefix directory must go.
    await mkdir(archive, { recursive: true });
    await writeFile(blocker, 'in the way');
    const config = await work.config({
      storage: { directory: join(work.dir, 'storage') },
      receivers: { grantex: { url: generator.url, apiKey: 'k' } },
      exporters: { file: { directory: archive, batchSize: 5000, retry: { initialIntervalMs: RETRY_INTERVAL_MS, maxIntervalMs: RETRY_INTERVAL_MS } } },
      service: { pipelines: { events: { receivers: ['grantex'], exporters: ['file'] } }, telemetry: { progress: 'always' } },
    });
    const run = runFerry(['run', '--config', config]);
    const count = events.toLocaleString('en-US');
    const filled = run.waitFor(`received ${count}`, 600_000);
    const peakDown = await peakRss(run.pid, filled);
    await filled;

    await rm(blocker);
    const backMs = Date.now();
    const delivered = run.waitFor(`file: sent ${count}`, 600_000);
    const peakUp = await peakRss(run.pid, delivered);
    await delivered;
    run.signal('SIGTERM');
    await run.exited;
    const check = await checkArchive(archive, expectedEvents(SEED, events));
    const seconds = (check.lastLandedMs - backMs) / 1000;
    return { events, peakRssWhileDown: peakDown, recoverySeconds: seconds, recoveryPerSecond: events / seconds, peakRssWhileRecovering: peakUp, retryIntervalMs: RETRY_INTERVAL_MS, check };
  } finally {
    await generator.close();
    await work.cleanup();
  }
}
