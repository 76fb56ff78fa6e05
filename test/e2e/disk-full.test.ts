import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdir, rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deliverWebhooks } from '@ferry/generator';
import { runFerry } from '../support/ferry-process.js';
import { archivedEvents, eventually } from '../support/archive.js';
import { freePort } from '../support/ports.js';
import { workspace } from '../support/workspace.js';
import { expectBooksBalanced } from '../support/books.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('a full disk under the queue, through the real binary', () => {
  it('names it, answers webhooks 503 meanwhile, and loses no acknowledged delivery once space returns', async () => {
    const ws = await workspace();
    cleanups.push(ws.cleanup);
    const disk = join(ws.dir, 'disk');
    await mkdir(disk);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', disk]);
    } catch (error) {
      throw new Error(`this test mounts a 4 MiB tmpfs to fill a real disk and needs root: ${(error as Error).message}`);
    }
    cleanups.push(() => {
      execFileSync("umount", ["-l", disk]);
    });
    const port = await freePort();
    const archive = join(ws.dir, 'archive');
    const run = runFerry([
      'run',
      '--config',
      await ws.config({
        storage: { directory: join(disk, 'queue'), segmentBytes: 256 * 1024 },
        receivers: { webhook: { endpoint: `127.0.0.1:${port}`, secret: 's' } },
        exporters: { file: { directory: archive, flushIntervalMs: 50 } },
        service: { pipelines: { events: { receivers: ['webhook'], exporters: ['file'] } } },
      }),
    ]);
    cleanups.push(async () => {
      if (run.child.exitCode === null) run.signal('SIGKILL');
      await run.exited;
    });
    await run.waitFor('listening for webhook deliveries');
    const url = `http://127.0.0.1:${port}/webhooks/grantex`;
    const first = deliverWebhooks({ url, secret: 's', total: 200, seed: 1 });
    await first.done;

    // Fill the disk, leaving a few bytes.
    const stats = await statfs(disk);
    await writeFile(join(disk, 'filler'), Buffer.alloc(Math.max(0, stats.bavail * stats.bsize - 1024)));
    const during = deliverWebhooks({ url, secret: 's', total: 300, seed: 2, concurrency: 4, retry: { initialDelayMs: 50, maxDelayMs: 300 } });
    cleanups.push(() => during.stop());
    await run.waitFor('is full (ENOSPC)');
    await eventually(() => (during.statuses.get(503) ?? 0) > 0, 'webhooks to be pushed back with 503');
    const acknowledgedWhileFull = during.acknowledged.length;

    await rm(join(disk, 'filler'));
    await during.done;
    const acknowledged = [...first.acknowledged, ...during.acknowledged].map((e) => e.id);
    await eventually(async () => {
      const ids = new Set((await archivedEvents(archive)).map((e) => e.id));
      return acknowledged.every((id) => ids.has(id));
    }, 'every acknowledged delivery in the archive');
    expect(acknowledged).toHaveLength(500);
    expect(acknowledgedWhileFull).toBeLessThan(300);
    expect(run.stderr()).toContain('storage is writable again');
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
    const [books] = expectBooksBalanced(run, ['file']);
    // A delivery whose answer timed out is sent again by the sender and accepted again: at least 500.
    expect(books!.accepted).toBeGreaterThanOrEqual(500);
    expect(books).toMatchObject({ delivered: books!.accepted, deadLettered: 0, lost: 0, queued: 0 });
  });
});
