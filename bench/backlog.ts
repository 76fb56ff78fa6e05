/**
 * A 1,000,000-event backlog: peak RSS while it builds on disk with the destination down,
 * and the time to deliver it after a restart once the destination is back.
 */
import { join } from 'node:path';
import { writeFile, rm } from 'node:fs/promises';
import { startGenerator } from '@ferry/generator';
import { peakRss, runFerry, scratch, untilSent } from './support.js';

export interface BacklogResult {
  readonly events: number;
  readonly peakRssWhileDown: number;
  readonly recoverySeconds: number;
  readonly recoveryPerSecond: number;
  readonly peakRssWhileRecovering: number;
}

export async function benchmarkBacklog(events: number): Promise<BacklogResult> {
  const generator = await startGenerator({ apiKey: 'k', mode: 'pull', total: events, seed: 3 });
  const work = await scratch();
  try {
    const archive = join(work.dir, 'archive');
    const config = await work.config({
      storage: { directory: join(work.dir, 'storage') },
      receivers: { grantex: { url: generator.url, apiKey: 'k' } },
      exporters: { file: { directory: archive, batchSize: 5000, retry: { initialIntervalMs: 2000, maxIntervalMs: 2000 } } },
      service: { pipelines: { events: { receivers: ['grantex'], exporters: ['file'] } }, telemetry: { progress: 'always' }, shutdownTimeoutMs: 0 },
    });
    const down = runFerry(['run', '--config', config]);
    await down.waitFor('collector started');
    // The destination is down: a file stands where the archive's prefix directory must go.
    await writeFile(join(archive, 'grantex-events'), 'in the way').catch(async () => {
      const { mkdir } = await import('node:fs/promises');
      await mkdir(archive, { recursive: true });
      await writeFile(join(archive, 'grantex-events'), 'in the way');
    });
    const filled = down.waitFor(`received ${events.toLocaleString('en-US')}`, 600_000);
    const peakDown = await peakRss(down.pid, filled);
    await filled;
    down.signal('SIGTERM');
    await down.exited;

    await rm(join(archive, 'grantex-events'));
    const up = runFerry(['run', '--config', config]);
    await up.waitFor('collector started');
    const started = performance.now();
    const delivered = untilSent(up, 'file', events);
    const peakUp = await peakRss(up.pid, delivered);
    await delivered;
    const seconds = (performance.now() - started) / 1000;
    up.signal('SIGTERM');
    await up.exited;
    return { events, peakRssWhileDown: peakDown, recoverySeconds: seconds, recoveryPerSecond: events / seconds, peakRssWhileRecovering: peakUp };
  } finally {
    await generator.close();
    await work.cleanup();
  }
}
