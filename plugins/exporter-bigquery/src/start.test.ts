import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, createBatch, PermanentError, RetryableError, type FerryEvent } from '@ferry/sdk';
import { createTestContext, resolveConfig, type TestContext } from '@ferry/sdk/testkit';
import bigquery from './index.js';
import type { BigQueryConfig } from './config.js';
import { startBigQueryPeer, type BigQueryPeer, type BigQueryPeerOptions } from './testing/index.js';

const peers: BigQueryPeer[] = [];
afterEach(async () => {
  for (const peer of peers.splice(0)) await peer.close();
});

async function peerWith(options: Partial<BigQueryPeerOptions> = {}): Promise<BigQueryPeer> {
  const peer = await startBigQueryPeer({ project: 'acme', dataset: 'grantex', tables: ['events'], ...options });
  peers.push(peer);
  return peer;
}

function create(peer: BigQueryPeer, config: Partial<BigQueryConfig> = {}) {
  const ctx = createTestContext(resolveConfig(bigquery.configSchema, { projectId: 'acme', datasetId: 'grantex', tableId: 'events', apiEndpoint: peer.url, anonymous: true, ...config }));
  return { ctx, exporter: bigquery.create(ctx) };
}
const startError = (exporter: ReturnType<typeof create>['exporter']) => (exporter.start?.() ?? Promise.resolve()).then(() => undefined, (error: unknown) => error as Error);
const event: FerryEvent = { id: 'evt_1', type: 'grant.created', createdAt: '2026-03-01T12:00:00Z', data: { grantId: 'g1' } };
const signal = new AbortController().signal;

describe('the start check', () => {
  it('passes for an existing table with the seed columns, with one tables.get and no credentials sent', async () => {
    const peer = await peerWith();
    await create(peer).exporter.start?.();
    expect(peer.requests.map((r) => [r.api, r.table, r.status])).toEqual([['tables.get', 'events', 200]]);
    expect(peer.violations).toEqual([]);
  });

  it('refuses a missing table with a ConfigError naming it and what to do', async () => {
    const peer = await peerWith();
    const error = await startError(create(peer, { tableId: 'nope' }).exporter);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toBe(
      'BigQuery table acme.grantex.nope does not exist (404 notFound: Not found: Table acme:grantex.nope): create it (see the README\'s DDL) or set createTable: true (needs bigquery.tables.create)',
    );
  });

  it('refuses a missing dataset, naming it', async () => {
    const peer = await peerWith();
    const error = await startError(create(peer, { datasetId: 'other' }).exporter);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toMatch(/^the dataset of BigQuery table acme\.other\.events does not exist \(404 notFound: Not found: Dataset acme:other\)/);
  });

  it('turns a refused tables.get into a ConfigError naming the table and the IAM permissions', async () => {
    const peer = await peerWith({ faults: [{ on: 'tables.get', status: 403, reason: 'accessDenied', message: 'Access Denied: Table acme:grantex.events: Permission bigquery.tables.get denied' }] });
    const error = await startError(create(peer).exporter);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toMatch(/^BigQuery refused access to table acme\.grantex\.events \(403 accessDenied: .*\): the credentials need bigquery\.tables\.get \(this check\) and bigquery\.tables\.updateData \(inserts\) on it/);
  });

  it('reports BigQuery unreachable, overloaded or rate limiting as retryable', async () => {
    const peer = await peerWith({ faults: [{ on: 'tables.get', status: 503 }, { on: 'tables.get', status: 403, reason: 'rateLimitExceeded' }] });
    expect(await startError(create(peer).exporter)).toBeInstanceOf(RetryableError);
    expect(await startError(create(peer).exporter)).toBeInstanceOf(RetryableError);
    const closed = create(peer, { apiEndpoint: 'http://127.0.0.1:9' }).exporter;
    const error = await startError(closed);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error?.message).toMatch(/^cannot check BigQuery table acme\.grantex\.events \(ECONNREFUSED/);
  });

  it('stops waiting for BigQuery when the collector shuts down', async () => {
    const peer = await peerWith({ faults: [{ on: 'tables.get', hang: true }] });
    const { ctx, exporter } = create(peer);
    const pending = startError(exporter);
    const deadline = Date.now() + 10_000;
    while (peer.requests.length === 0 && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    ctx.abort();
    expect(await pending).toBeInstanceOf(RetryableError);
  });

  it('checks again on the first export when start could not reach BigQuery', async () => {
    const peer = await peerWith({ ferryColumn: true, faults: [{ on: 'tables.get', status: 503 }] });
    const { exporter } = create(peer);
    expect(await startError(exporter)).toBeInstanceOf(RetryableError);
    await exporter.export(createBatch([{ ...event, ferry: { v: 1, seq: 1 } }]), { signal, attempt: 1 });
    expect(peer.requests.map((r) => r.api)).toEqual(['tables.get', 'tables.get', 'insertAll']);
    // The second check found the ferry column, so the link was written.
    expect(peer.received[0]?.json.ferry).toBe('{"v":1,"seq":1}');
  });

  it('dead-letters and reports when the late check finds the table missing', async () => {
    const peer = await peerWith({ tables: [], faults: [{ on: 'tables.get', status: 503 }] });
    const { ctx, exporter } = create(peer);
    await startError(exporter);
    const error = await exporter.export(createBatch([event]), { signal, attempt: 1 }).then(() => undefined, (e: unknown) => e as Error);
    expect(error).toBeInstanceOf(ConfigError);
    expect((ctx as TestContext<BigQueryConfig>).reported).toEqual([error]);
  });

  it('refuses a table lacking a seed column, or with a REQUIRED column Ferry never writes', async () => {
    const peer = await peerWith();
    peer.tables.set('events', { schema: { fields: [{ name: 'event_id', type: 'STRING' }, { name: 'event_type', type: 'STRING' }, { name: 'created_at', type: 'STRING' }] }, location: 'US', rows: [] });
    expect((await startError(create(peer).exporter))?.message).toBe(
      'BigQuery table acme.grantex.events lacks the column(s) data; Ferry writes event_id, event_type, created_at, data (see the README\'s DDL)',
    );
    peer.tables.set('events', { schema: { fields: [...['EVENT_ID', 'event_type', 'created_at', 'data'].map((name) => ({ name, type: 'STRING' })), { name: 'tenant', type: 'STRING', mode: 'REQUIRED' }] }, location: 'US', rows: [] });
    const error = await startError(create(peer).exporter);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toMatch(/REQUIRED column\(s\) tenant that Ferry never writes/);
  });

  it('refuses a table outside the configured location (data residency)', async () => {
    const peer = await peerWith({ location: 'US' });
    const error = await startError(create(peer, { location: 'EU' }).exporter);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toBe('BigQuery table acme.grantex.events is in US, not in EU as location requires');
    expect(await startError(create(peer, { location: 'us' }).exporter)).toBeUndefined();
  });
});

describe('createTable', () => {
  it("creates a missing table with the seed's columns, day partitioning and clustering by event_type, then writes to it", async () => {
    const peer = await peerWith({ tables: [] });
    const { ctx, exporter } = create(peer, { createTable: true });
    await exporter.start?.();
    expect(peer.requests.map((r) => [r.api, r.status])).toEqual([['tables.get', 404], ['tables.insert', 200]]);
    const table = peer.tables.get('events');
    expect(table?.schema).toEqual({
      fields: [
        { name: 'event_id', type: 'STRING', mode: 'REQUIRED' },
        { name: 'event_type', type: 'STRING', mode: 'REQUIRED' },
        { name: 'created_at', type: 'STRING', mode: 'REQUIRED' },
        { name: 'data', type: 'STRING', mode: 'NULLABLE' },
        { name: 'ferry', type: 'STRING', mode: 'NULLABLE' },
      ],
    });
    expect(table?.timePartitioning).toEqual({ type: 'DAY' });
    expect(table?.clustering).toEqual({ fields: ['event_type'] });
    expect(ctx.logs.find((l) => l.message === 'created the BigQuery table')?.fields).toMatchObject({ table: 'acme.grantex.events' });
    expect(await exporter.export(createBatch([event]), { signal, attempt: 1 })).toBeUndefined();
    expect(peer.received).toHaveLength(1);
    expect(peer.violations).toEqual([]);
  });

  it('leaves an existing table as it is', async () => {
    const peer = await peerWith();
    await create(peer, { createTable: true }).exporter.start?.();
    expect(peer.requests.map((r) => r.api)).toEqual(['tables.get']);
  });

  it('uses the table another collector created meanwhile (409)', async () => {
    const peer = await peerWith({ tables: [] });
    const { exporter } = create(peer, { createTable: true });
    // Between our tables.get and tables.insert, someone else creates it.
    peer.inject({ on: 'tables.get', status: 404, reason: 'notFound', message: 'Not found: Table acme:grantex.events' });
    peer.tables.set('events', { schema: { fields: ['event_id', 'event_type', 'created_at', 'data'].map((name) => ({ name, type: 'STRING' })) }, location: 'US', rows: [] });
    await exporter.start?.();
    expect(peer.requests.map((r) => [r.api, r.status])).toEqual([['tables.get', 404], ['tables.insert', 409], ['tables.get', 200]]);
  });

  it('names bigquery.tables.create when creating is refused', async () => {
    const peer = await peerWith({ tables: [], faults: [{ on: 'tables.insert', status: 403, reason: 'accessDenied', message: 'Permission bigquery.tables.create denied' }] });
    const error = await startError(create(peer, { createTable: true }).exporter);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toMatch(/^BigQuery refused to create table acme\.grantex\.events \(403 accessDenied: .*\): createTable needs bigquery\.tables\.create on the dataset/);
  });
});

describe('an insert after start', () => {
  it('is a configuration problem (held, not dead-lettered) when the table was deleted meanwhile, naming it', async () => {
    const peer = await peerWith();
    const { exporter } = create(peer);
    await exporter.start?.();
    peer.tables.delete('events');
    const error = await exporter.export(createBatch([event]), { signal, attempt: 1 }).then(() => undefined, (e: unknown) => e as Error);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toMatch(/^BigQuery table acme\.grantex\.events does not exist \(404 notFound/);
  });
});
