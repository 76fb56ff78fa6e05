import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { startGenerator, type GeneratorServer } from '@ferry/generator';
import { startS3Peer, type S3Peer } from '@ferry/exporter-s3/testing';
import { startBigQueryPeer, type BigQueryPeer } from '@ferry/exporter-bigquery/testing';
import { startDatadogIntake, type DatadogIntake } from '@ferry/exporter-datadog/testing';
import { runFerry, type FerryProcess } from '../support/ferry-process.js';
import { eventually } from '../support/archive.js';
import { workspace } from '../support/workspace.js';
import { expectBooksBalanced } from '../support/books.js';

const DD_KEY = 'dd_e2e_key_0123456789';
let s3: S3Peer;
let bigquery: BigQueryPeer;
let datadog: DatadogIntake;
let source: GeneratorServer;
const cleanups: Array<() => Promise<unknown> | void> = [];

beforeEach(async () => {
  s3 = await startS3Peer({ buckets: ['acme-grantex-events'] });
  bigquery = await startBigQueryPeer({ project: 'acme', dataset: 'grantex', tables: ['events'] });
  datadog = await startDatadogIntake({ apiKey: DD_KEY });
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await s3.close();
  await bigquery.close();
  await datadog.close();
  await source.close();
});

async function start(total: number, extra: { storage?: string } = {}): Promise<FerryProcess> {
  source = await startGenerator({ apiKey: 'k', mode: 'pull', total, seed: 31 });
  const ws = await workspace();
  cleanups.push(ws.cleanup);
  const retry = { initialIntervalMs: 50, maxIntervalMs: 300 };
  const run = runFerry(
    [
      'run',
      '--config',
      await ws.config({
        ...(extra.storage ? { storage: { directory: join(ws.dir, 'storage') } } : {}),
        receivers: { grantex: { url: source.url, apiKey: 'k' } },
        exporters: {
          s3: { bucket: 'acme-grantex-events', endpoint: s3.endpoint, forcePathStyle: true, compression: 'gzip', flushIntervalMs: 100, retry },
          bigquery: { projectId: 'acme', datasetId: 'grantex', tableId: 'events', apiEndpoint: bigquery.url, anonymous: true, flushIntervalMs: 100, retry },
          datadog: { apiKey: '${env:DD_API_KEY}', endpoint: datadog.url, flushIntervalMs: 100, retry },
        },
        service: { pipelines: { events: { receivers: ['grantex'], exporters: ['s3', 'bigquery', 'datadog'] } }, telemetry: { progress: 'always' } },
      }),
    ],
    { env: { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_REGION: 'us-east-1', DD_API_KEY: DD_KEY } },
  );
  cleanups.push(async () => {
    if (run.child.exitCode === null) run.signal('SIGKILL');
    await run.exited;
  });
  return run;
}

async function s3Ids(): Promise<string[]> {
  const objects = await s3.objects('acme-grantex-events', 'grantex-events/2');
  return objects.flatMap((o) => gunzipSync(o.body).toString().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { id: string }).id));
}
const bigqueryIds = () => bigquery.tables.get('events')!.rows.map((r) => r.insertId);
const datadogIds = () => datadog.entries.map((e) => (JSON.parse(e.message) as { id: string }).id);
const sorted = (ids: string[]) => [...ids].sort();

describe('ferry run: Grantex → S3, BigQuery and Datadog at once, on their wire protocols', () => {
  it('delivers every event exactly once to every destination when all are healthy', async () => {
    const run = await start(3000);
    await source.waitForDelivered(3000);
    const expected = sorted(source.delivered.map((e) => e.id));
    await eventually(async () => (await s3Ids()).length === 3000 && bigqueryIds().length === 3000 && datadogIds().length === 3000, 'every destination to have every event');
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
    for (const books of expectBooksBalanced(run, ['s3', 'bigquery', 'datadog'])) expect(books).toMatchObject({ accepted: 3000, delivered: 3000, deadLettered: 0, queued: 0 });
    expect(sorted(await s3Ids())).toEqual(expected);
    expect(sorted(bigqueryIds())).toEqual(expected);
    expect(sorted(datadogIds())).toEqual(expected);
    expect([...bigquery.violations, ...datadog.violations]).toEqual([]);
    const byId = new Map(source.delivered.map((e) => [e.id, e]));
    for (const row of bigquery.tables.get('events')!.rows) {
      const event = byId.get(row.insertId)!;
      expect(row.json).toEqual({ event_id: event.id, event_type: event.type, created_at: event.createdAt, data: JSON.stringify(event.data) });
    }
    for (const entry of datadog.entries) {
      const event = JSON.parse(entry.message) as { type: string };
      expect(entry).toMatchObject({ ddsource: 'grantex', service: 'grantex', hostname: 'grantex-auth-service', ddtags: `type:${event.type}` });
    }
  });

  it('loses nothing when each destination fails intermittently, and one that keeps failing never delays the others', async () => {
    s3.faults.push({ status: 503, code: 'SlowDown' }, { reset: true }, { status: 500, code: 'InternalError' });
    bigquery.faults.push({ status: 503, reason: 'backendError' }, { status: 429, reason: 'rateLimitExceeded' });
    datadog.faults.push(...Array.from({ length: 100_000 }, () => ({ status: 503 })));
    const run = await start(2000, { storage: 'yes' });
    await source.waitForDelivered(2000);
    const expected = new Set(source.delivered.map((e) => e.id));
    await eventually(async () => new Set(await s3Ids()).size === 2000 && new Set(bigqueryIds()).size === 2000, 'S3 and BigQuery to have everything while Datadog is down');
    expect(datadogIds()).toEqual([]);
    datadog.faults.length = 0;
    await eventually(() => new Set(datadogIds()).size === 2000, 'Datadog to catch up once it recovers');
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
    for (const books of expectBooksBalanced(run, ['s3', 'bigquery', 'datadog'])) expect(books).toMatchObject({ accepted: 2000, delivered: 2000, deadLettered: 0, queued: 0 });
    for (const ids of [await s3Ids(), bigqueryIds(), datadogIds()]) expect(new Set(ids)).toEqual(expected);
    expect([...bigquery.violations, ...datadog.violations]).toEqual([]);
  });
});
