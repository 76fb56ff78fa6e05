import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, createBatch, isPermanent, type ExportResult, type FerryEvent } from '@ferry/sdk';
import { conformanceCases, createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import bigquery from './index.js';
import { BigQueryExporter } from './exporter.js';
import type { BigQueryConfig } from './config.js';
import { insertIdFor } from './rows.js';
import { startBigQueryPeer, type BigQueryPeer } from './testing/index.js';

let peer: BigQueryPeer;
beforeAll(async () => {
  peer = await startBigQueryPeer({ project: 'acme', dataset: 'grantex', tables: ['events'] });
});
afterAll(() => peer.close());
beforeEach(() => {
  for (const table of peer.tables.values()) table.rows.length = 0;
  peer.violations.length = 0;
  peer.insertRequests.length = 0;
  peer.invalid.clear();
});

const events = (n: number, from = 0): FerryEvent[] => Array.from({ length: n }, (_, i) => ({ id: `evt_${from + i}`, type: 'grant.created', createdAt: '2026-03-01T12:00:00Z', data: { grantId: `g${from + i}`, scopes: ['a', 'b'] } }));

async function exporter(config: Partial<BigQueryConfig> = {}, endpoint = peer.url): Promise<BigQueryExporter> {
  const e = bigquery.create(createTestContext(resolveConfig(bigquery.configSchema, { projectId: 'acme', datasetId: 'grantex', tableId: 'events', apiEndpoint: endpoint, anonymous: true, ...config }))) as BigQueryExporter;
  await e.start();
  return e;
}
const send = (e: BigQueryExporter, list: FerryEvent[]) => e.export(createBatch(list), { signal: new AbortController().signal, attempt: 1 });

describe('the bigquery exporter', () => {
  describe('SDK conformance', () => {
    for (const c of conformanceCases(bigquery, {
      get config() {
        return { projectId: 'acme', datasetId: 'grantex', tableId: 'events', apiEndpoint: peer.url, anonymous: true };
      },
      invalidConfigs: [{ config: { projectId: 'acme', datasetId: 'grantex' }, because: 'tableId is required' }],
      exportEvents: events(3),
    })) it(c.name, c.run);
  });

  it('inserts the seed\'s row for every event with insertId = the event id, through the real client', async () => {
    expect(await send(await exporter(), events(3))).toBeUndefined();
    expect(peer.violations).toEqual([]);
    expect(peer.tables.get('events')?.rows).toEqual(
      events(3).map((e) => ({ insertId: e.id, json: { event_id: e.id, event_type: e.type, created_at: e.createdAt, data: JSON.stringify(e.data) } })),
    );
    expect(peer.insertRequests).toHaveLength(1);
  });

  it('keeps insert ids within 128 characters with a stable digest', () => {
    const long = `evt_${'x'.repeat(200)}`;
    expect(insertIdFor(long)).toHaveLength(71);
    expect(insertIdFor(long)).toBe(insertIdFor(long));
    expect(insertIdFor('evt_short')).toBe('evt_short');
  });

  it('dead-letters only the rows BigQuery calls invalid, with its reason, and retries the stopped ones — one request, no client retry', async () => {
    peer.invalid.add('evt_1');
    const result = (await send(await exporter(), events(4))) as ExportResult;
    expect(peer.insertRequests).toHaveLength(1);
    const byIndex = new Map(result.rejected?.map((r) => [r.index, r.error]));
    expect(isPermanent(byIndex.get(1))).toBe(true);
    expect(byIndex.get(1)?.message).toBe('BigQuery refused the row (invalid): no such field: data.bogus');
    expect([0, 2, 3].map((i) => isPermanent(byIndex.get(i)))).toEqual([false, false, false]);
    peer.invalid.clear();
    await send(await exporter(), createBatch(events(4)).select([0, 2, 3]).events as FerryEvent[]);
    expect(peer.tables.get('events')?.rows.map((r) => r.insertId)).toEqual(['evt_0', 'evt_2', 'evt_3']);
  });

  it('treats 5xx and rate limits as retryable and a missing table or permission as permanent, naming the table', async () => {
    const e = await exporter();
    peer.faults.push({ status: 503, reason: 'backendError' }, { status: 403, reason: 'rateLimitExceeded' }, { status: 403, reason: 'accessDenied' });
    const first = await send(e, events(2)).catch((x: unknown) => x);
    expect(isPermanent(first)).toBe(false);
    expect(peer.insertRequests).toHaveLength(1);
    expect(isPermanent(await send(e, events(2)).catch((x: unknown) => x))).toBe(true);
    const denied = await send(e, events(2)).catch((x: unknown) => x);
    expect((denied as Error).message).toMatch(/^BigQuery refused the insert into acme.grantex.events \(403 accessDenied/);
  });

  it('splits requests at BigQuery\'s 10 MB limit and refuses a row over 10 MB, keeping its neighbours', async () => {
    const blob = 'y'.repeat(3 * 1024 * 1024);
    const list = [...events(5).map((e) => ({ ...e, data: { blob } })), { ...events(1, 99)[0]!, data: { blob: blob.repeat(4) } }];
    const result = (await send(await exporter(), list)) as ExportResult;
    expect(peer.violations).toEqual([]);
    expect(peer.insertRequests.length).toBeGreaterThan(1);
    expect(peer.insertRequests.every((r) => r.bytes <= 10 * 1024 * 1024)).toBe(true);
    expect(result.rejected?.map((r) => r.index)).toEqual([5]);
    expect(peer.tables.get('events')?.rows).toHaveLength(5);
  });

  it('refuses to start on a missing table naming it, or creates it with the seed schema, day partitioning and clustering', async () => {
    const missing = await exporter({ tableId: 'nope' }).catch((x: unknown) => x);
    expect(missing).toBeInstanceOf(ConfigError);
    expect((missing as Error).message).toMatch(/^BigQuery table acme\.grantex\.nope does not exist/);
    await exporter({ tableId: 'created', createTable: true });
    const created = peer.tables.get('created');
    expect(created?.schema).toEqual({ fields: expect.arrayContaining([{ name: 'event_id', type: 'STRING', mode: 'REQUIRED' }, { name: 'data', type: 'STRING', mode: 'NULLABLE' }]) });
    expect(created?.timePartitioning).toEqual({ type: 'DAY' });
    expect(created?.clustering).toEqual({ fields: ['event_type'] });
    const unreachable = await exporter({}, 'http://127.0.0.1:9').catch((x: unknown) => x);
    expect(isPermanent(unreachable)).toBe(false);
  });

  it('adds the integrity link as the ferry column when the table has it', async () => {
    const withColumn = await startBigQueryPeer({ project: 'acme', dataset: 'grantex', tables: ['events'], ferryColumn: true });
    try {
      const e = await exporter({}, withColumn.url);
      await send(e, [{ ...events(1)[0]!, ferry: { v: 1, seq: 5 } }]);
      expect(withColumn.tables.get('events')?.rows[0]?.json.ferry).toBe('{"v":1,"seq":5}');
      expect(withColumn.violations).toEqual([]);
    } finally {
      await withColumn.close();
    }
  });
});
