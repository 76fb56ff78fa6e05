import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { deliverWebhooks, startGenerator } from '@ferry/generator';
import type { FerryEvent } from '@ferry/sdk';
import { ROOT } from '../support/ferry-process.js';
import { cleanAfterEach } from '../support/cleanups.js';
import { archivedEvents, eventually, readArchive } from '../support/archive.js';
import { expectBooksBalanced } from '../support/books.js';
import { parseArchiveKey } from '@ferry/archive';
import { startS3Peer } from '@ferry/exporter-s3/testing';
import { gunzipSync } from 'node:zlib';
import { freePort, peakRss } from '../support/ports.js';
import { workspace } from '../support/workspace.js';

const SECRET = 'whsec_e2e';
const HTTP_EXPORTER = join(ROOT, 'test', 'custom-exporter', 'http-ndjson-exporter.ts');
const cleanups = cleanAfterEach();
const { ferry, sink } = cleanups;

function ndjsonEvents(body: Buffer): FerryEvent[] {
  return body.toString('utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as FerryEvent);
}

function duplicates(events: readonly FerryEvent[]): number {
  return events.length - new Set(events.map((e) => e.id)).size;
}

const fastRetry = { initialIntervalMs: 50, maxIntervalMs: 500 };

describe('guaranteed delivery, through the real binary', () => {
  it('loses no acknowledged webhook delivery across repeated kill -9, to a file archive and a slow, throttling HTTP destination', async () => {
    const ws = await workspace();
    cleanups.push(ws.cleanup);
    const port = await freePort();
    const destination = await sink();
    // Slow, and throttling now and then with Retry-After.
    destination.otherwise = { delayMs: 20 };
    const archive = join(ws.dir, 'archive');
    const config = await ws.config({
      storage: { directory: join(ws.dir, 'storage') },
      plugins: [HTTP_EXPORTER],
      receivers: { webhook: { endpoint: `127.0.0.1:${port}`, secret: SECRET } },
      exporters: {
        file: { directory: archive, flushIntervalMs: 100 },
        http_ndjson: { url: destination.url, batchSize: 50, flushIntervalMs: 100, retry: fastRetry },
      },
      service: { pipelines: { events: { receivers: ['webhook'], exporters: ['file', 'http_ndjson'] } }, shutdownTimeoutMs: 5000 },
    });
    const deliveries = deliverWebhooks({ url: `http://127.0.0.1:${port}/webhooks/grantex`, secret: SECRET, total: 2500, rate: 400, concurrency: 8, seed: 21, retry: { initialDelayMs: 50, maxDelayMs: 400 }, requestTimeoutMs: 3000 });
    cleanups.push(() => deliveries.stop());

    let kills = 0;
    for (; kills < 4; kills++) {
      const run = ferry(config);
      await run.waitFor('listening for webhook deliveries');
      const acknowledgedBefore = deliveries.acknowledged.length;
      const target = acknowledgedBefore + 50 + Math.floor(Math.random() * 200);
      await eventually(() => deliveries.acknowledged.length > target, `more than ${target} deliveries to be acknowledged (kill ${kills}; ${deliveries.attempts} attempts so far)`, 90_000);
      if (kills % 2 === 1) destination.plan.push({ status: 429, retryAfterSeconds: 1 }, { status: 503 });
      run.signal('SIGKILL');
      expect(await run.exited).toBe(137);
    }
    const last = ferry(config);
    await deliveries.done;
    const acknowledged = new Set(deliveries.acknowledged.map((e) => e.id));
    expect(acknowledged.size).toBe(2500);
    await eventually(async () => {
      const inArchive = new Set((await archivedEvents(archive)).map((e) => e.id));
      const atDestination = new Set(destination.events.map((e) => e.id));
      return [...acknowledged].every((id) => inArchive.has(id) && atDestination.has(id));
    }, `every acknowledged event in the archive and at the destination (destination holds ${destination.events.length})`, 90_000);
    last.signal('SIGTERM');
    expect(await last.exited).toBe(0);
    expectBooksBalanced(last, ['file', 'http_ndjson']);

    const archived = await archivedEvents(archive);
    const byId = new Map(deliveries.acknowledged.map((e) => [e.id, e]));
    for (const event of [...archived, ...destination.events]) {
      const { ferry: _envelope, ...original } = event;
      expect(original).toEqual(byId.get(event.id));
    }
    expect(destination.malformed).toEqual([]);
    const report = `kill -9 ×${kills}: ${acknowledged.size} acknowledged; archive ${archived.length} records (${duplicates(archived)} duplicates), destination ${destination.events.length} (${duplicates(destination.events)} duplicates); webhook attempts ${deliveries.attempts}`;
    console.log(report);
    // Duplicates come only from batches in flight at a kill: bounded, never a multiple of the load.
    expect(duplicates(archived) + duplicates(destination.events)).toBeLessThan(2500);
  }, 240_000);

  it('makes no duplicate of its own across kill -9 while batches are written but not committed: a batch sent again lands under its own key, in a file archive and in S3', async () => {
    const ws = await workspace();
    cleanups.push(ws.cleanup);
    const port = await freePort();
    const archive = join(ws.dir, 'archive');
    const s3 = await startS3Peer({ buckets: ['archive'] });
    cleanups.push(() => s3.close());
    const config = await ws.config({
      storage: { directory: join(ws.dir, 'storage') },
      receivers: { webhook: { endpoint: `127.0.0.1:${port}`, secret: SECRET } },
      processors: { batch: { batchSize: 40, flushIntervalMs: 200 } },
      exporters: { file: { directory: archive }, s3: { bucket: 'archive', endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1' } },
      service: { pipelines: { events: { receivers: ['webhook'], processors: ['batch'], exporters: ['file', 's3'] } }, shutdownTimeoutMs: 5000 },
    });
    const env = { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey };
    const total = 2400;
    const deliveries = deliverWebhooks({ url: `http://127.0.0.1:${port}/webhooks/grantex`, secret: SECRET, total, rate: 100, concurrency: 4, seed: 33, retry: { initialDelayMs: 50, maxDelayMs: 300 }, requestTimeoutMs: 3000 });
    cleanups.push(() => deliveries.stop());
    const objects = async () => (await readArchive(archive)).length;
    for (let kill = 0; kill < 3; kill++) {
      const run = ferry(config, env);
      await run.waitFor('listening for webhook deliveries');
      // Kill right after a batch lands: its commit is saved at most every 200 ms, so it is written but not committed.
      const before = await objects();
      await eventually(async () => (await objects()) >= before + 2 + kill, `a new archive object (kill ${kill})`, 60_000);
      run.signal('SIGKILL');
      expect(await run.exited).toBe(137);
    }
    const last = ferry(config, env);
    await deliveries.done;
    const acknowledged = new Set(deliveries.acknowledged.map((e) => e.id));
    // Archive objects only (the exporter's start check leaves a marker object of its own).
    const inS3 = async () =>
      (await s3.objects('archive')).filter((o) => parseArchiveKey(o.key) !== undefined).map((o) => ({ key: o.key, events: ndjsonEvents(o.key.endsWith('.gz') ? gunzipSync(o.body) : o.body) }));
    await eventually(async () => {
      const archived = new Set((await archivedEvents(archive)).map((e) => e.id));
      const inBucket = new Set((await inS3()).flatMap((o) => o.events.map((e) => e.id)));
      return [...acknowledged].every((id) => archived.has(id) && inBucket.has(id));
    }, 'every acknowledged delivery in the archive and the bucket', 90_000);
    last.signal('SIGTERM');
    expect(await last.exited).toBe(0);
    expectBooksBalanced(last, ['file', 's3']);

    for (const [where, objects] of [['file archive', await readArchive(archive)], ['S3 bucket', await inS3()]] as const) {
      // Every log sequence number lands in exactly one object: a batch cut again after a kill is the same batch, under the same key.
      const bySeq = new Map<number, string[]>();
      const seqsById = new Map<string, Set<number>>();
      for (const object of objects) {
        const firstSeq = parseArchiveKey(object.key)!.firstSeq;
        object.events.forEach((event, i) => {
          bySeq.set(firstSeq + i, [...(bySeq.get(firstSeq + i) ?? []), object.key]);
          seqsById.set(event.id, (seqsById.get(event.id) ?? new Set()).add(firstSeq + i));
        });
      }
      const doubled = [...bySeq].filter(([, keys]) => keys.length > 1);
      expect(doubled, `${where}: log positions in more than one object: ${doubled.slice(0, 5).map(([seq, keys]) => `${seq}: ${keys.join(', ')}`).join('; ')}`).toEqual([]);
      // What is left are the sender's own retries (a delivery accepted, then the answer lost to a kill), each a separate log entry.
      const resent = [...seqsById.values()].filter((seqs) => seqs.size > 1).length;
      expect(resent, where).toBeLessThanOrEqual(3 * 4);
      expect(seqsById.size, where).toBe(total);
    }
  }, 240_000);

  it('keeps a healthy exporter at its pace while another is down, then lets it catch up with nothing lost', async () => {
    const ws = await workspace();
    cleanups.push(ws.cleanup);
    const source = await startGenerator({ apiKey: 'k', mode: 'pull', total: 3000, seed: 5 });
    cleanups.push(() => source.close());
    const destination = await sink();
    await destination.down();
    const archive = join(ws.dir, 'archive');
    const run = ferry(
      await ws.config({
        storage: { directory: join(ws.dir, 'storage') },
        plugins: [HTTP_EXPORTER],
        receivers: { grantex: { url: source.url, apiKey: 'k' } },
        exporters: { file: { directory: archive, flushIntervalMs: 100 }, http_ndjson: { url: destination.url, flushIntervalMs: 100, retry: fastRetry } },
        service: { pipelines: { events: { receivers: ['grantex'], exporters: ['file', 'http_ndjson'] } } },
      }),
    );
    await source.waitForDelivered(3000);
    await eventually(async () => (await archivedEvents(archive)).length === 3000, 'the healthy exporter to have everything');
    expect(destination.events).toEqual([]);
    await destination.up();
    await eventually(() => new Set(destination.events.map((e) => e.id)).size === 3000, 'the recovered destination to catch up');
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
    const books = expectBooksBalanced(run, ['file', 'http_ndjson']);
    expect(books.map((b) => [b.exporter, b.accepted, b.delivered, b.queued])).toEqual([
      ['file', 3000, 3000, 0],
      ['http_ndjson', 3000, 3000, 0],
    ]);
    expect(new Set(destination.events.map((e) => e.id))).toEqual(new Set(source.delivered.map((e) => e.id)));
  });

  it('survives 5xx, 429 with Retry-After, timeouts and connection resets: nothing lost, nothing malformed', async () => {
    const ws = await workspace();
    cleanups.push(ws.cleanup);
    const source = await startGenerator({ apiKey: 'k', mode: 'pull', total: 2000, seed: 6 });
    cleanups.push(() => source.close());
    const destination = await sink();
    destination.plan.push(
      { status: 500 },
      { status: 429, retryAfterSeconds: 1 },
      { reset: true },
      { delayMs: 1500 },
      { status: 502 },
      { reset: true },
      { status: 503, retryAfterSeconds: 1 },
    );
    const run = ferry(
      await ws.config({
        plugins: [HTTP_EXPORTER],
        receivers: { grantex: { url: source.url, apiKey: 'k' } },
        exporters: { http_ndjson: { url: destination.url, batchSize: 200, flushIntervalMs: 50, timeoutMs: 500, retry: fastRetry } },
        service: { pipelines: { events: { receivers: ['grantex'], exporters: ['http_ndjson'] } } },
      }),
    );
    await source.waitForDelivered(2000);
    await eventually(() => new Set(destination.events.map((e) => e.id)).size === 2000, 'every event despite the faults');
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
    // Delivered counts each event once, though a batch whose answer was reset reached the destination twice.
    expect(expectBooksBalanced(run, ['http_ndjson'])[0]).toMatchObject({ accepted: 2000, delivered: 2000, deadLettered: 0, queued: 0 });
    expect(destination.malformed).toEqual([]);
    expect(destination.requests.resets).toBe(2);
    expect(destination.requests.byStatus.get(429)).toBe(1);
  });

  it('holds a large backlog for a destination that is down on disk, with memory bounded', async () => {
    const ws = await workspace();
    cleanups.push(ws.cleanup);
    const source = await startGenerator({ apiKey: 'k', mode: 'pull', total: 150_000, seed: 8 });
    cleanups.push(() => source.close());
    const archive = join(ws.dir, 'archive');
    const run = ferry(
      await ws.config({
        storage: { directory: join(ws.dir, 'storage') },
        receivers: { grantex: { url: source.url, apiKey: 'k' } },
        exporters: { file: { directory: archive, retry: { initialIntervalMs: 1000, maxIntervalMs: 1000 } } },
        service: { pipelines: { events: { receivers: ['grantex'], exporters: ['file'] } }, telemetry: { progress: 'always' } },
      }),
    );
    await run.waitFor('collector started');
    // The destination "goes down": a file where the archive's prefix directory must go.
    await ws.config('in the way', join('archive', 'grantex-events'));
    const peak = await peakRss(run.pid, source.waitForDelivered(150_000, 120_000));
    console.log(`peak RSS while a 150,000-event backlog builds with the destination down: ${Math.round(peak / 1024 / 1024)} MB`);
    expect(peak).toBeLessThan(200 * 1024 * 1024);
    await run.waitFor('received 150,000', 30_000);
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(expectBooksBalanced(run, ['file'])[0]).toMatchObject({ accepted: 150_000, delivered: 0, queued: 150_000 });
    expect(run.stderr()).toContain('150000 events not yet delivered to exporter \\"file\\" in pipeline \\"events\\"; they stay queued on disk for the next start');
  });

  it('refuses hostile webhook input with the right status and keeps serving', async () => {
    const ws = await workspace();
    cleanups.push(ws.cleanup);
    const port = await freePort();
    const archive = join(ws.dir, 'archive');
    const run = ferry(
      await ws.config({
        storage: { directory: join(ws.dir, 'storage') },
        receivers: { webhook: { endpoint: `127.0.0.1:${port}`, secret: SECRET, maxBodyBytes: 4096 } },
        exporters: { file: { directory: archive, flushIntervalMs: 50 } },
        service: { pipelines: { events: { receivers: ['webhook'], exporters: ['file'] } } },
      }),
    );
    await run.waitFor('listening for webhook deliveries');
    const url = `http://127.0.0.1:${port}/webhooks/grantex`;
    const post = (body: string, headers: Record<string, string>) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }).then((r) => r.status);
    expect(await post('{"id":"evt_1"}', {})).toBe(401);
    expect(await post('{"id":"evt_1"}', { 'x-grantex-timestamp': '1', 'x-grantex-signature-v2': `sha256=${'a'.repeat(64)}` })).toBe(401);
    expect(await post('x'.repeat(10_000), { 'x-grantex-timestamp': String(Math.floor(Date.now() / 1000)), 'x-grantex-signature-v2': `sha256=${'a'.repeat(64)}` })).toBe(413);
    const good = deliverWebhooks({ url, secret: SECRET, total: 20, seed: 1 });
    await good.done;
    await eventually(async () => (await archivedEvents(archive)).length === 20, 'the good deliveries in the archive');
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(expectBooksBalanced(run, ['file'])[0]).toMatchObject({ accepted: 20, delivered: 20, queued: 0 });
  });
});
