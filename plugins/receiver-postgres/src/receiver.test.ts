import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { BackpressureError, type EventConsumer, type FerryEvent } from '@ferry/sdk';
import { conformanceCases, createTestContext, resolveConfig, type TestContext } from '@ferry/sdk/testkit';
import { migrate, recordAuditEvent, type AuditEvent } from '@ferry/outbox';
import { tableName } from '@ferry/outbox/schema';
import { testSchema, type TestSchema } from '@ferry/outbox/testing';
import postgresReceiver from './index.js';
import type { PostgresReceiverConfig } from './config.js';
import type { PostgresReceiver } from './receiver.js';

let db: TestSchema;
let writer: pg.Client;
let table: string;
let n = 0;
beforeAll(async () => {
  db = await testSchema('receiver');
  writer = await db.connect();
});
afterAll(() => db?.drop());
beforeEach(async () => {
  table = db.table(`outbox_${++n}`);
  await migrate(db.client, { table });
});

const running: PostgresReceiver[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.shutdown();
});

const audit = (tenant: string, i: number, over: Partial<AuditEvent> = {}): AuditEvent => ({
  id: `evt_${tenant}_${String(i).padStart(5, '0')}`,
  type: 'grant.issued',
  tenantId: tenant,
  sessionId: `ses_${i}`,
  grantId: `grnt_${i}`,
  actor: 'user_1',
  outcome: 'success',
  request: { sourceIp: '192.0.2.1', requestId: `req_${i}` },
  data: { i },
  ...over,
});

async function commit(client: pg.Client, events: readonly AuditEvent[]): Promise<void> {
  await client.query('BEGIN');
  for (const e of events) await recordAuditEvent(client, e, { table });
  await client.query('COMMIT');
}

function receiver(config: Partial<PostgresReceiverConfig> = {}, next?: EventConsumer): { receiver: PostgresReceiver; ctx: TestContext<PostgresReceiverConfig> } {
  const ctx = createTestContext(resolveConfig(postgresReceiver.configSchema, { connectionString: db.url, table, pollIntervalMs: 50, ...config }), { id: 'postgres', ...(next ? { next } : {}) });
  const created = postgresReceiver.create(ctx) as PostgresReceiver;
  running.push(created);
  return { receiver: created, ctx };
}

const pending = async () => Number((await db.client.query<{ n: string }>(`SELECT count(*) AS n FROM ${tableName(table).sql}`)).rows[0]?.n);

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('the postgres receiver', () => {
  describe('SDK conformance', () => {
    for (const c of conformanceCases(postgresReceiver, {
      get config() {
        return { connectionString: db.url, table };
      },
      invalidConfigs: [
        { config: {}, because: 'connectionString is required' },
        { config: { connectionString: 'postgres://x', table: 'Bad-Name' }, because: 'the table name is not a PostgreSQL name' },
        { config: { connectionString: 'postgres://x', table: 'a.b.c' }, because: 'a table name has at most a schema and a name' },
        { config: { connectionString: 'postgres://x', afterDelivery: 'archive' }, because: 'afterDelivery is delete or mark' },
      ],
    })) it(c.name, c.run);
  });

  it('delivers every committed event once and removes its row only after the pipeline accepted it', async () => {
    await commit(writer, Array.from({ length: 1200 }, (_, i) => audit('ten_a', i)));
    let accepted = 0;
    const seenPendingDuringConsume: number[] = [];
    const { receiver: r, ctx } = receiver({ batchSize: 500 }, {
      consume: async (events) => {
        seenPendingDuringConsume.push(await pending());
        ctx.received.push(...events);
        accepted += events.length;
      },
    });
    await r.start();
    await until(() => accepted === 1200, '1200 events');
    await until(async () => (await pending()) === 0, 'the outbox emptied');
    expect(ctx.received.map((e) => e.id)).toEqual(Array.from({ length: 1200 }, (_, i) => audit('ten_a', i).id));
    // While the pipeline was accepting a lease, its rows were still in the table.
    expect(seenPendingDuringConsume).toEqual([1200, 700, 200]);
    expect(ctx.received[0]).toEqual({ id: 'evt_ten_a_00000', type: 'grant.issued', createdAt: expect.any(String), data: expect.objectContaining({ schemaVersion: 1, tenantId: 'ten_a', data: { i: 0 } }) });
  });

  it('keeps the rows of a lease the pipeline refused (backpressure, failure) and delivers them later', async () => {
    await commit(writer, [audit('ten_a', 1), audit('ten_a', 2)]);
    const answers: Array<'backpressure' | 'fail' | 'ok'> = ['backpressure', 'fail', 'ok'];
    const received: FerryEvent[] = [];
    const { receiver: r } = receiver({}, {
      consume: async (events) => {
        const answer = answers.shift() ?? 'ok';
        if (answer === 'backpressure') throw new BackpressureError('pipeline full', 20);
        if (answer === 'fail') throw new Error('a processor threw');
        received.push(...events);
      },
    });
    await r.start();
    await until(() => received.length === 2, 'the events after two refusals');
    expect(received.map((e) => e.id)).toEqual(['evt_ten_a_00001', 'evt_ten_a_00002']);
    await until(async () => (await pending()) === 0, 'the rows removed once accepted');
  });

  it('reads transactions that commit out of position order, never rolled-back ones, whatever runs long', async () => {
    const { receiver: r, ctx } = receiver({ batchSize: 50 });
    await r.start();
    const late = await db.connect();
    const rolledBack = await db.connect();
    // The late transaction takes its positions first and commits last.
    await late.query('BEGIN');
    for (let i = 0; i < 30; i++) await recordAuditEvent(late, audit('ten_late', i), { table });
    await rolledBack.query('BEGIN');
    for (let i = 0; i < 30; i++) await recordAuditEvent(rolledBack, audit('ten_gone', i), { table });
    const writers = await Promise.all([db.connect(), db.connect(), db.connect()]);
    await Promise.all(writers.map(async (w, k) => {
      for (let batch = 0; batch < 10; batch++) await commit(w, Array.from({ length: 20 }, (_, i) => audit(`ten_${k}`, batch * 20 + i)));
    }));
    await until(() => ctx.received.length === 600, 'the 600 events committed meanwhile');
    await rolledBack.query('ROLLBACK');
    await late.query('COMMIT');
    await until(() => ctx.received.length === 630, 'the late transaction\'s events');
    const ids = ctx.received.map((e) => e.id);
    expect(new Set(ids).size).toBe(630);
    expect(ids.filter((id) => id.includes('ten_gone'))).toEqual([]);
    expect(ids.filter((id) => id.includes('ten_late'))).toEqual(Array.from({ length: 30 }, (_, i) => audit('ten_late', i).id));
    await until(async () => (await pending()) === 0, 'the outbox emptied');
  });

  it('two readers of one outbox deliver everything, never one tenant\'s events at once, each tenant in order', async () => {
    const tenants = ['ten_a', 'ten_b', 'ten_c', 'ten_d', 'ten_e'];
    const both: Array<{ reader: number; event: FerryEvent }> = [];
    const consumer = (reader: number): EventConsumer => ({
      consume: async (events) => {
        for (const event of events) both.push({ reader, event });
        await new Promise((resolve) => setImmediate(resolve)); // let the other reader run meanwhile
      },
    });
    const first = receiver({ batchSize: 40 }, consumer(1)).receiver;
    const second = receiver({ batchSize: 40 }, consumer(2)).receiver;
    await Promise.all([first.start(), second.start()]);
    const writers = await Promise.all(tenants.map(() => db.connect()));
    await Promise.all(writers.map(async (w, k) => {
      for (let batch = 0; batch < 20; batch++) await commit(w, Array.from({ length: 10 }, (_, i) => audit(tenants[k]!, batch * 10 + i)));
    }));
    await until(() => both.length >= 1000, 'every event');
    await until(async () => (await pending()) === 0, 'the outbox emptied');
    expect(both).toHaveLength(1000); // no duplicates while both run normally
    for (const tenant of tenants) {
      expect(both.filter((b) => b.event.data.tenantId === tenant).map((b) => b.event.id)).toEqual(Array.from({ length: 200 }, (_, i) => audit(tenant, i).id));
    }
    expect(new Set(both.map((b) => b.reader))).toEqual(new Set([1, 2]));
  });

  it('is woken by NOTIFY at commit, long before its next poll', async () => {
    const { receiver: r, ctx } = receiver({ pollIntervalMs: 600_000 });
    await r.start();
    await until(() => ctx.logs.some((l) => l.message === 'reading the outbox'), 'started');
    // The first (empty) read happens at start; from now on only a notification can wake it.
    await until(async () => (await db.client.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'ferry receiver postgres (listen)'")).rows[0].n === 1, 'the listener connected');
    await commit(writer, [audit('ten_a', 1)]);
    await until(() => ctx.received.length === 1, 'the notified event', 10_000);
  });

  it('with afterDelivery: mark, keeps delivered rows marked and does not read them again', async () => {
    await commit(writer, [audit('ten_a', 1), audit('ten_a', 2)]);
    const { receiver: r, ctx } = receiver({ afterDelivery: 'mark' });
    await r.start();
    await until(() => ctx.received.length === 2, 'both events');
    await commit(writer, [audit('ten_a', 3)]);
    await until(() => ctx.received.length === 3, 'the third');
    const marked = async () => Number((await db.client.query(`SELECT count(*) FILTER (WHERE delivered_at IS NOT NULL) AS n FROM ${tableName(table).sql}`)).rows[0].n);
    await until(async () => (await marked()) === 3, 'the third marked');
    const rows = await db.client.query<{ event_id: string; marked: boolean }>(`SELECT event_id, delivered_at IS NOT NULL AS marked FROM ${tableName(table).sql} ORDER BY position`);
    expect(rows.rows).toEqual([1, 2, 3].map((i) => ({ event_id: audit('ten_a', i).id, marked: true })));
    expect(ctx.received.map((e) => e.id)).toEqual([1, 2, 3].map((i) => audit('ten_a', i).id));
  });

  it('sets aside a row that holds no valid event, with its failure, and keeps reading the others', async () => {
    await db.client.query(`INSERT INTO ${tableName(table).sql} (event_id, event_type, tenant_id, schema_version, event) VALUES ('bad', 'x', 'ten_a', 1, '{"id":"bad","type":"x"}')`);
    await commit(writer, [audit('ten_a', 1)]);
    const { receiver: r, ctx } = receiver();
    await r.start();
    await until(() => ctx.received.length === 1, 'the valid event');
    await until(() => ctx.counts.get('malformed') === 1, 'the malformed row counted');
    const kept = await db.client.query<{ event_id: string; failure: string }>(`SELECT event_id, failure FROM ${tableName(table).sql}`);
    expect(kept.rows).toEqual([{ event_id: 'bad', failure: 'not a Ferry event: "createdAt" must be a string' }]);
    expect(ctx.logs.find((l) => l.level === 'error')?.message).toContain('holds no valid event');
  });

  it('refuses to start on a missing table or an outbox made by a newer Ferry, naming the option; never shows the connection string', async () => {
    const url = db.url.replace('postgres@', 'postgres:hunter2-secret@');
    const missing = receiver({ connectionString: url, table: db.table('no_such_outbox') }).receiver;
    const error = (await missing.start().catch((e: unknown) => e)) as Error;
    expect(error.name).toBe('ConfigError');
    expect(error.message).toBe(`receivers.postgres.table: table "${db.table('no_such_outbox')}" does not exist in 127.0.0.1:5432/test as postgres; create it with migrate() from @ferry/outbox (its README shows how)`);
    await db.client.query(`COMMENT ON TABLE ${tableName(table).sql} IS 'ferry-outbox 2: from the future'`);
    const newer = receiver({ connectionString: url }).receiver;
    expect(((await newer.start().catch((e: unknown) => e)) as Error).message).toContain('has outbox layout 2, newer than this receiver reads (1)');
    expect(JSON.stringify([error.message])).not.toContain('hunter2');
  });

  it('warns and keeps trying when PostgreSQL is unreachable at start', async () => {
    const { receiver: r, ctx } = receiver({ connectionString: 'postgres://postgres@127.0.0.1:1/test', connectTimeoutMs: 500, listen: false });
    await r.start();
    expect(ctx.logs.find((l) => l.level === 'warn')?.message).toBe('PostgreSQL is not reachable at start; reading the outbox once it is');
    await until(() => ctx.logs.filter((l) => l.message.startsWith('reading the outbox failed')).length >= 1, 'a retry');
  });
});
