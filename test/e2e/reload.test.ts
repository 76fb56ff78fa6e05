import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { deliverWebhooks } from '@ferry/generator';
import { parseArchiveKey } from '@ferry/archive';
import { ROOT, runFerry, type FerryProcess } from '../support/ferry-process.js';
import { archivedEvents, eventually, readArchive } from '../support/archive.js';
import { expectBooksBalanced } from '../support/books.js';
import { startNdjsonSink } from '../support/ndjson-sink.js';
import { freePort } from '../support/ports.js';
import { workspace } from '../support/workspace.js';

const SECRET = 'whsec_reload';
const HTTP_EXPORTER = join(ROOT, 'test', 'custom-exporter', 'http-ndjson-exporter.ts');
const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function ferry(args: string[]): FerryProcess {
  const run = runFerry(args);
  cleanups.push(async () => {
    if (run.child.exitCode === null && run.child.signalCode === null) run.signal('SIGKILL');
    await run.exited;
  });
  return run;
}

/** Every log position in exactly one archive object (no batch of Ferry's own sent twice under two keys). */
async function positionsOnce(archive: string): Promise<void> {
  const seen = new Map<number, string>();
  for (const object of await readArchive(archive)) {
    const firstSeq = parseArchiveKey(object.key)!.firstSeq;
    object.events.forEach((_, i) => {
      expect(seen.get(firstSeq + i), `log position ${firstSeq + i} in two objects`).toBeUndefined();
      seen.set(firstSeq + i, object.key);
    });
  }
}

/** Counts of `text` in the run's output so far. */
const occurrences = (run: FerryProcess, text: string) => run.stderr().split(text).length - 1;

describe('hot reload through the binary, under load', () => {
  it('applies batch-size changes, an added exporter and a removed one with a backlog, refuses a broken config and folds a second SIGHUP in: every acknowledged event delivered once', async () => {
    const ws = await workspace();
    cleanups.push(ws.cleanup);
    const port = await freePort();
    const down = await startNdjsonSink();
    cleanups.push(() => down.close());
    await down.down();
    const archive = join(ws.dir, 'archive');
    const added = join(ws.dir, 'added');
    const base = (exporters: Record<string, unknown>, pipelineExporters: string[]) => ({
      storage: { directory: join(ws.dir, 'storage') },
      plugins: [HTTP_EXPORTER],
      receivers: { webhook: { endpoint: `127.0.0.1:${port}`, secret: SECRET } },
      exporters,
      service: { pipelines: { events: { receivers: ['webhook'], exporters: pipelineExporters } }, shutdownTimeoutMs: 3000 },
    });
    const retry = { initialIntervalMs: 50, maxIntervalMs: 200 };
    const configFile = await ws.config(base({ file: { directory: archive, batchSize: 25, flushIntervalMs: 50 }, http_ndjson: { url: down.url, flushIntervalMs: 50, retry } }, ['file', 'http_ndjson']));
    const run = ferry(['run', '--config', configFile]);
    await run.waitFor('listening for webhook deliveries');
    const deliveries = deliverWebhooks({ url: `http://127.0.0.1:${port}/webhooks/grantex`, secret: SECRET, total: 3000, rate: 300, concurrency: 4, seed: 44, retry: { initialDelayMs: 50, maxDelayMs: 300 } });
    cleanups.push(() => deliveries.stop());
    const reloaded = (count: number) => eventually(() => occurrences(run, 'config reloaded') >= count, `${count} reloads`, 30_000);
    const whenAcknowledged = (n: number) => eventually(() => deliveries.acknowledged.length >= n, `${n} deliveries acknowledged`, 60_000);

    // 1. The file exporter's batch size changes while events flow.
    await whenAcknowledged(300);
    await ws.config(base({ file: { directory: archive, batchSize: 60, flushIntervalMs: 50 }, http_ndjson: { url: down.url, flushIntervalMs: 50, retry } }, ['file', 'http_ndjson']));
    run.signal('SIGHUP');
    await reloaded(1);
    expect(run.stderr()).toContain('restarted exporter file');

    // 2. An exporter is added; 3. the one that is down (a backlog) is removed, in the same config.
    await whenAcknowledged(900);
    await ws.config(base({ file: { directory: archive, batchSize: 60, flushIntervalMs: 50 }, 'file/added': { directory: added, flushIntervalMs: 50 } }, ['file', 'file/added']));
    run.signal('SIGHUP');
    await reloaded(2);
    expect(run.stderr()).toMatch(/exporter \\"http_ndjson\\" was removed from pipeline \\"events\\" with \d+ events it had not received/);
    const addedFrom = deliveries.acknowledged.length;

    // 4. A broken config is refused, with its errors, and the running one stays.
    await ws.config({ ...base({ file: { directory: archive, batchSize: 'sixty' } }, ['file', 'datadg']) });
    run.signal('SIGHUP');
    await run.waitFor('reload refused: the running config stays', 30_000);
    expect(run.stderr()).toContain('exporters.file.batchSize');
    expect(run.stderr()).toContain('service.pipelines.events.exporters[1]: \\"datadg\\" is not a configured exporter');

    // 5. Two SIGHUPs at once: one reload runs, the second is folded into one more after it.
    await ws.config(base({ file: { directory: archive, batchSize: 40, flushIntervalMs: 50 }, 'file/added': { directory: added, flushIntervalMs: 50 } }, ['file', 'file/added']));
    const before = occurrences(run, 'config reloaded');
    run.signal('SIGHUP');
    run.signal('SIGHUP');
    await reloaded(before + 1);

    await deliveries.done;
    const acknowledged = new Set(deliveries.acknowledged.map((e) => e.id));
    expect(acknowledged.size).toBe(3000);
    await eventually(async () => {
      const ids = new Set((await archivedEvents(archive)).map((e) => e.id));
      return [...acknowledged].every((id) => ids.has(id));
    }, 'every acknowledged delivery in the archive', 60_000);
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.stderr()).not.toContain('unhandled');
    // The removed exporter's books were logged when it went: nothing delivered, its backlog queued.
    const books = expectBooksBalanced(run, ['file', 'file/added', 'http_ndjson']);
    expect(books.find((b) => b.exporter === 'http_ndjson')).toMatchObject({ delivered: 0, deadLettered: 0 });
    const file = books.find((b) => b.exporter === 'file')!;
    // At least every delivery once (a sender may resend one whose answer it did not get), all delivered.
    expect(file.accepted).toBeGreaterThanOrEqual(3000);
    expect(file).toMatchObject({ delivered: file.accepted, queued: 0 });

    await positionsOnce(archive);
    await positionsOnce(added);
    // The added exporter got every event accepted after it was added, and none before it.
    const addedIds = new Set((await archivedEvents(added)).map((e) => e.id));
    const later = deliveries.acknowledged.slice(addedFrom + 50).map((e) => e.id);
    expect(later.filter((id) => !addedIds.has(id))).toEqual([]);
    expect(addedIds.size).toBeLessThan(3000);
  }, 180_000);

  it('ferry run --watch reloads when the file changes', async () => {
    const ws = await workspace();
    cleanups.push(ws.cleanup);
    const port = await freePort();
    const archive = join(ws.dir, 'archive');
    const config = (batchSize: number) => ({
      receivers: { webhook: { endpoint: `127.0.0.1:${port}`, secret: SECRET } },
      exporters: { file: { directory: archive, batchSize, flushIntervalMs: 50 } },
      service: { pipelines: { events: { receivers: ['webhook'], exporters: ['file'] } } },
    });
    const file = await ws.config(config(10));
    const run = ferry(['run', '--watch', '--config', file]);
    // A change saved before the watch begins is not seen: the collector starts first.
    await run.waitFor(`watching ${file}`);
    await ws.config(config(20));
    await run.waitFor('config reloaded', 30_000);
    expect(run.stderr()).toContain('restarted exporter file');
    await deliverWebhooks({ url: `http://127.0.0.1:${port}/webhooks/grantex`, secret: SECRET, total: 100, seed: 3 }).done;
    await eventually(async () => (await archivedEvents(archive)).length === 100, 'the deliveries after the reload');
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(expectBooksBalanced(run, ['file'])[0]).toMatchObject({ accepted: 100, delivered: 100, queued: 0 });
  }, 60_000);
});
