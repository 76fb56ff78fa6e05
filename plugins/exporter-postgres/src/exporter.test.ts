import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBatch, isPermanent, type DeliveryProgress, type ExporterProgress, type FerryEvent } from '@ferry/sdk';
import { conformanceCases, createTestContext, resolveConfig, type TestContext } from '@ferry/sdk/testkit';
import { toOutboxEvent } from '@ferry/outbox';
import { tableName } from '@ferry/outbox/schema';
import { testSchema, type TestSchema } from '@ferry/outbox/testing';
import postgresExporter from './index.js';
import type { PostgresExporterConfig } from './config.js';
import type { PostgresExporter } from './exporter.js';

let db: TestSchema;
let n = 0;
const running: PostgresExporter[] = [];
const directories: string[] = [];
beforeAll(async () => {
  db = await testSchema('sink');
});
afterEach(async () => {
  for (const e of running.splice(0)) await e.shutdown();
  for (const d of directories.splice(0)) await rm(d, { recursive: true, force: true });
});
afterAll(() => db?.drop());

const DAY = 86_400_000;
const grantex = (i: number, createdAt = '2026-03-01T12:00:00.000Z', over: Partial<FerryEvent> = {}): FerryEvent => ({
  id: `evt_${String(i).padStart(6, '0')}`,
  type: 'grant.created',
  createdAt,
  data: { grantId: `grnt_${i}`, agentId: 'ag_1', principalId: 'user_9', scopes: ['a'] },
  ...over,
});

async function exporter(config: Partial<PostgresExporterConfig> = {}, options: { progress?: DeliveryProgress; storage?: boolean } = {}): Promise<{ exporter: PostgresExporter; ctx: TestContext<PostgresExporterConfig>; table: string }> {
  const table = config.table ?? db.table(`audit_${++n}`);
  let storageDirectory: string | undefined;
  if (options.storage) {
    storageDirectory = await mkdtemp(join(tmpdir(), 'ferry-sink-'));
    directories.push(storageDirectory);
  }
  const ctx = createTestContext(resolveConfig(postgresExporter.configSchema, { connectionString: db.url, table, ...config }), {
    id: 'postgres',
    ...(options.progress ? { progress: options.progress } : {}),
    ...(storageDirectory ? { storageDirectory } : {}),
  });
  const created = postgresExporter.create(ctx) as PostgresExporter;
  running.push(created);
  await created.start();
  return { exporter: created, ctx, table };
}

const failure = (p: Promise<unknown>): Promise<Error> => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as Error);
const send = (e: PostgresExporter, events: readonly FerryEvent[], firstSeq = 0, pipeline = 'events') => e.export(createBatch({ events, firstSeq, pipeline }), { signal: new AbortController().signal, attempt: 1 });
const count = async (table: string) => Number((await db.client.query(`SELECT count(*) AS n FROM ${tableName(table).sql}`)).rows[0].n);
const partitions = async (table: string) =>
  (await db.client.query<{ relname: string }>('SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass($1) ORDER BY 1', [tableName(table).sql])).rows.map((r) => r.relname);

describe('the postgres exporter', () => {
  describe('SDK conformance', () => {
    for (const c of conformanceCases(postgresExporter, {
      get config() {
        return { connectionString: db.url, table: db.table('conformance') };
      },
      invalidConfigs: [
        { config: {}, because: 'connectionString is required' },
        { config: { connectionString: 'postgres://x', table: 'Audit Events' }, because: 'the table is not a PostgreSQL name' },
        { config: { connectionString: 'postgres://x', retentionDays: 0 }, because: 'retentionDays is at least 1' },
        { config: { connectionString: 'postgres://x', requireArchivedBy: 'S3 archive' }, because: 'requireArchivedBy is an exporter id' },
      ],
      exportEvents: [grantex(1), grantex(2)],
    })) it(c.name, c.run);
  });

  it('stores the required fields as columns (audit records and Grantex events), the whole event as jsonb, the chain link and the log position', async () => {
    const { exporter: e, table } = await exporter();
    const audit = toOutboxEvent({ id: 'evt_audit', type: 'grant.issued', createdAt: '2026-03-02T08:00:00Z', tenantId: 'ten_1', sessionId: 'ses_1', grantId: 'grnt_7', actor: 'user_42', outcome: 'success', request: { sourceIp: '2001:db8::1', requestId: 'req_9' }, data: { scopes: ['x'] } }) as unknown as FerryEvent;
    const chained: FerryEvent = { ...grantex(2, '2026-03-01T23:59:59.999Z', { type: 'sso.login', data: { sessionId: 'ses_2', principalId: 'user_3', ip: '10.0.0.1' } }), ferry: { v: 1, writer: 'w1', seq: 41, alg: 'sha256', prev: 'aa', hash: 'bb' } };
    const newer: FerryEvent = { id: 'evt_v9', type: 'grant.issued', createdAt: '2026-03-02T00:00:00Z', data: { schemaVersion: 9, tenantId: 'ten_9', whatever: true } };
    const revoked = grantex(3, '2026-03-02T01:00:00Z', { type: 'grant.revoked', data: { grantId: 'grnt_3', principalId: 'user_5', revokedBy: 'admin' } });
    expect(await send(e, [audit, chained, newer, revoked], 70)).toBeUndefined();
    const rows = await db.client.query(
      `SELECT event_id, created_at, event_type, tenant_id, session_id, grant_id, actor, outcome, source_ip, request_id, schema_version, event, envelope_version, chain_writer, chain_seq::int, chain_prev, chain_hash, log_pipeline, log_seq::int FROM ${tableName(table).sql} ORDER BY log_seq`,
    );
    expect(rows.rows).toEqual([
      { event_id: 'evt_audit', created_at: new Date('2026-03-02T08:00:00Z'), event_type: 'grant.issued', tenant_id: 'ten_1', session_id: 'ses_1', grant_id: 'grnt_7', actor: 'user_42', outcome: 'success', source_ip: '2001:db8::1', request_id: 'req_9', schema_version: 1, event: audit, envelope_version: null, chain_writer: null, chain_seq: null, chain_prev: null, chain_hash: null, log_pipeline: 'events', log_seq: 70 },
      { event_id: 'evt_000002', created_at: new Date('2026-03-01T23:59:59.999Z'), event_type: 'sso.login', tenant_id: null, session_id: 'ses_2', grant_id: null, actor: 'user_3', outcome: 'success', source_ip: '10.0.0.1', request_id: null, schema_version: null, event: chained, envelope_version: 1, chain_writer: 'w1', chain_seq: 41, chain_prev: 'aa', chain_hash: 'bb', log_pipeline: 'events', log_seq: 71 },
      // A newer audit record: its version and the whole event, no field guessed at.
      { event_id: 'evt_v9', created_at: new Date('2026-03-02T00:00:00Z'), event_type: 'grant.issued', tenant_id: null, session_id: null, grant_id: null, actor: null, outcome: null, source_ip: null, request_id: null, schema_version: 9, event: newer, envelope_version: null, chain_writer: null, chain_seq: null, chain_prev: null, chain_hash: null, log_pipeline: 'events', log_seq: 72 },
      expect.objectContaining({ event_id: 'evt_000003', grant_id: 'grnt_3', actor: 'admin', outcome: 'revoked', log_seq: 73 }),
    ]);
    expect(await partitions(table)).toEqual(expect.arrayContaining([`audit_${n}_p20260301`, `audit_${n}_p20260302`]));
  });

  it('stays idempotent under retries and overlapping batches: each event once, at volume', async () => {
    const { exporter: e, ctx, table } = await exporter();
    const events = Array.from({ length: 5000 }, (_, i) => grantex(i, new Date(Date.parse('2026-03-01T00:00:00Z') + i * 60_000).toISOString()));
    await send(e, events.slice(0, 3000));
    // A retried batch, a batch that overlaps it, and the rest, three at once.
    await Promise.all([send(e, events.slice(0, 3000)), send(e, events.slice(2000, 4000), 2000), send(e, events.slice(3000), 3000)]);
    await send(e, [...events.slice(10, 20), ...events.slice(10, 20)]); // the same event twice in one batch
    expect(await count(table)).toBe(5000);
    // The retried 3000, the overlap's 1000 already in, the 1000 two concurrent batches both carried, and the 20 of the last batch.
    expect(ctx.counts.get('already_stored')).toBe(3000 + 1000 + 1000 + 20);
    const days = await db.client.query(`SELECT count(DISTINCT created_at::date) AS days FROM ${tableName(table).sql}`);
    expect(Number(days.rows[0].days)).toBe(4); // 5000 minutes: four UTC days, four partitions
  });

  it('refuses for good only the events PostgreSQL can never store, and stores the rest', async () => {
    const { exporter: e, table } = await exporter();
    const list = [grantex(1), grantex(2, 'not a date'), grantex(3, undefined, { data: { note: 'lone \ud800 surrogate' } }), grantex(4, undefined, { data: { note: 'nul \u0000 byte' } }), grantex(5, undefined, { data: { note: 'a backslash then u0000: \\u0000' } })];
    const result = await send(e, list);
    const rejected = new Map((result?.rejected ?? []).map((r) => [r.index, r.error]));
    expect([...rejected.keys()].sort()).toEqual([1, 2, 3]);
    expect([...rejected.values()].every(isPermanent)).toBe(true);
    expect(rejected.get(1)?.message).toContain('is not a timestamp');
    expect(rejected.get(2)?.message).toContain('refused by PostgreSQL');
    expect(rejected.get(3)?.message).toContain('U+0000');
    expect((await db.client.query(`SELECT event_id FROM ${tableName(table).sql} ORDER BY 1`)).rows.map((r) => r.event_id)).toEqual(['evt_000001', 'evt_000005']);
  });

  it('creates partitions ahead, and retention drops whole days past retentionDays, keeping the rest', async () => {
    const now = Date.now();
    const day = (offset: number) => new Date(now + offset * DAY).toISOString();
    const { exporter: e, table } = await exporter({ retentionDays: 3, partitionsAhead: 2 });
    const ahead = await partitions(table);
    for (const offset of [0, 1, 2]) expect(ahead).toContain(`audit_${n}_p${day(offset).slice(0, 10).replaceAll('-', '')}`);
    await send(e, [grantex(1, day(-10)), grantex(2, day(-5)), grantex(3, day(-3)), grantex(4, day(-1)), grantex(5, day(0))]);
    const outcomes = await e.checkRetention(now);
    expect(outcomes.map((o) => o.day)).toEqual([day(-10).slice(0, 10), day(-5).slice(0, 10)]);
    expect((await db.client.query(`SELECT event_id FROM ${tableName(table).sql} ORDER BY 1`)).rows.map((r) => r.event_id)).toEqual(['evt_000003', 'evt_000004', 'evt_000005']);
    // A late event for a dropped day gets its partition again (and goes at the next check).
    await send(e, [grantex(6, day(-10))]);
    expect(await count(table)).toBe(4);
  });

  it('with requireArchivedBy, drops a day only once the archive delivered every event in it; dead letters keep their days', async () => {
    let archive: ExporterProgress = { origin: 0, committed: 0, deadLettered: 0, lost: 0 };
    const progress: DeliveryProgress = { of: (exporter, pipeline) => (exporter === 's3' && pipeline === 'events' ? archive : undefined) };
    const now = Date.now();
    const old = (days: number) => new Date(now - days * DAY).toISOString();
    const { exporter: e, ctx, table } = await exporter({ retentionDays: 1, requireArchivedBy: 's3' }, { progress, storage: true });
    // Day -10: positions 0–99; day -9: 100–199; day -8: 200–299; day -7: 300–309 from a replay (no pipeline).
    const batch = (from: number, count: number, days: number) => Array.from({ length: count }, (_, i) => grantex(from + i, old(days)));
    await send(e, batch(0, 100, 10), 0);
    await send(e, batch(100, 100, 9), 100);
    await send(e, batch(200, 100, 8), 200);
    await send(e, batch(300, 10, 7), 0, '');
    const dropped = async () => (await e.checkRetention(now)).filter((o) => o.dropped).map((o) => o.day);

    expect(await dropped()).toEqual([]); // the archive has delivered nothing yet
    archive = { origin: 0, committed: 150, deadLettered: 0, lost: 0 };
    expect(await dropped()).toEqual([old(10).slice(0, 10)]);
    // The archive moves on but dead-letters one event on the way: which one cannot be told, so [150, 300) stays.
    archive = { origin: 0, committed: 300, deadLettered: 1, lost: 0 };
    expect(await dropped()).toEqual([]);
    expect(await count(table)).toBe(210);
    const unproven = await db.client.query(`SELECT from_seq::int, to_seq::int, reason FROM ${tableName(table).sql.replace(/"$/, '_archive_unproven"')}`);
    expect(unproven.rows).toEqual([{ from_seq: 150, to_seq: 300, reason: '1 dead-lettered among them' }]);
    expect(ctx.logs.some((l) => l.message.includes('kept the partition of') && l.message.includes('not proven delivered by "s3"'))).toBe(true);
    // Later events all delivered: still, what was kept stays kept.
    archive = { origin: 0, committed: 500, deadLettered: 1, lost: 0 };
    expect(await dropped()).toEqual([]);
  });

  it('with requireArchivedBy, says so when the archive does not read the pipeline, and needs storage', async () => {
    const { exporter: e, ctx } = await exporter({ retentionDays: 1, requireArchivedBy: 's3' }, { progress: { of: () => undefined }, storage: true });
    await send(e, [grantex(1)], 0, 'audit');
    expect(ctx.reported.map((r) => r.message)).toEqual(['exporters.postgres.requireArchivedBy: exporter "s3" does not read pipeline "audit", so no event this exporter stores from it can be proven archived; the partitions holding them are never dropped']);
    const error = await failure(exporter({ requireArchivedBy: 's3' }));
    expect(error.message).toContain('exporters.postgres.requireArchivedBy: needs storage');
  });

  it('refuses a missing table without createTable, or one made by a newer Ferry, naming the option and never the password', async () => {
    const url = db.url.replace('postgres@', 'postgres:hunter2-secret@');
    const missing = await failure(exporter({ connectionString: url, createTable: false }));
    expect(missing.name).toBe('ConfigError');
    expect(missing.message).toMatch(/^exporters\.postgres\.table: table "ferry_test_sink_\w+\.audit_\d+" does not exist in 127\.0\.0\.1:5432\/test as postgres; set createTable: true to create it$/);
    const { table } = await exporter();
    await db.client.query(`COMMENT ON TABLE ${tableName(table).sql} IS 'ferry-audit-sink 2: from the future'`);
    const newer = await failure(exporter({ connectionString: url, table }));
    expect(newer.message).toContain('has audit sink layout 2, newer than this exporter writes (1)');
    expect(`${missing.message}${newer.message}`).not.toContain('hunter2');
  });
});
