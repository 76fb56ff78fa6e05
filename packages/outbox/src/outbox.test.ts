import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import postgres from 'postgres';
import { AuditEventError, migrate, NotInTransactionError, recordAuditEvent, type AuditEvent } from './index.js';
import { notifyChannel, tableName } from './schema/index.js';
import { testSchema, type TestSchema } from './testing/index.js';

let db: TestSchema;
let table: string;
beforeAll(async () => {
  db = await testSchema('outbox');
  table = db.table('audit_outbox');
  await migrate(db.client, { table });
});
afterAll(() => db?.drop());

const event = (over: Partial<AuditEvent> = {}): AuditEvent => ({
  type: 'grant.issued',
  tenantId: 'ten_1',
  sessionId: 'ses_1',
  grantId: 'grnt_1',
  actor: 'user_42',
  outcome: 'success',
  request: { sourceIp: '203.0.113.7', requestId: 'req_1' },
  data: { scopes: ['calendar:read'], note: 'quote " é ✓ 😀' },
  ...over,
});

const rowsOf = async (id: string) => (await db.client.query<{ event: string; tenant_id: string; schema_version: number; event_type: string }>(`SELECT event::text AS event, tenant_id, schema_version, event_type FROM ${tableName(table).sql} WHERE event_id = $1`, [id])).rows;

async function inTransaction<T>(work: (client: pg.Client) => Promise<T>, end: 'COMMIT' | 'ROLLBACK' = 'COMMIT'): Promise<T> {
  const client = await db.connect();
  await client.query('BEGIN');
  try {
    const result = await work(client);
    await client.query(end);
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

describe('@ferry/outbox', () => {
  it('migrate is idempotent, also when instances of the application run it at once', async () => {
    const clients = await Promise.all([db.connect(), db.connect(), db.connect()]);
    const other = db.table('raced_outbox');
    await Promise.all(clients.map((c) => migrate(c, { table: other })));
    await migrate(db.client, { table: other });
    const indexes = await db.client.query<{ indexname: string }>('SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 ORDER BY 1', [db.schema, 'raced_outbox']);
    expect(indexes.rows.map((r) => r.indexname)).toEqual(['raced_outbox_event_id_key', 'raced_outbox_pending_idx', 'raced_outbox_pkey', 'raced_outbox_tenant_pending_idx']);
  });

  it('records an event in the caller\'s transaction: validated, stamped with the schema version, returned id', async () => {
    const id = await inTransaction((client) => recordAuditEvent(client, event(), { table }));
    expect(id).toMatch(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/);
    const [row] = await rowsOf(id);
    expect(row).toMatchObject({ tenant_id: 'ten_1', schema_version: 1, event_type: 'grant.issued' });
    const stored = JSON.parse(row!.event) as { createdAt: string };
    expect(stored).toEqual({
      id,
      type: 'grant.issued',
      createdAt: stored.createdAt,
      data: { schemaVersion: 1, tenantId: 'ten_1', sessionId: 'ses_1', grantId: 'grnt_1', actor: 'user_42', outcome: 'success', request: { sourceIp: '203.0.113.7', requestId: 'req_1' }, data: { scopes: ['calendar:read'], note: 'quote " é ✓ 😀' } },
    });
    expect(Math.abs(Date.parse(stored.createdAt) - Date.now())).toBeLessThan(60_000);
    // Stored as the exact text the library wrote, not re-serialized.
    expect(row!.event).toBe(JSON.stringify(stored));
  });

  it('keeps a given id and createdAt (normalized to UTC ISO-8601)', async () => {
    const id = await inTransaction((client) => recordAuditEvent(client, event({ id: 'evt_given', createdAt: '2026-03-01T12:00:00+02:00' }), { table }));
    expect(id).toBe('evt_given');
    expect(JSON.parse((await rowsOf(id))[0]!.event)).toMatchObject({ createdAt: '2026-03-01T10:00:00.000Z' });
  });

  it('a rolled-back transaction leaves no event', async () => {
    const id = await inTransaction((client) => recordAuditEvent(client, event(), { table }), 'ROLLBACK');
    expect(await rowsOf(id)).toEqual([]);
  });

  it('refuses to write outside a transaction (autocommit would commit the event without the change)', async () => {
    const error = await recordAuditEvent(db.client, event({ id: 'evt_autocommit' }), { table }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotInTransactionError);
    expect((error as Error).message).toContain('a pg client that has run BEGIN');
    expect(await rowsOf('evt_autocommit')).toEqual([]);
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    await expect(recordAuditEvent(pool, event({ id: 'evt_pool' }), { table })).rejects.toBeInstanceOf(NotInTransactionError);
    await pool.end();
    expect(await rowsOf('evt_pool')).toEqual([]);
  });

  it('names every missing or wrong required field at once, and writes nothing', async () => {
    const bad = { type: '', tenantId: 'ten_1', grantId: null, actor: 'u', outcome: 'success', request: { sourceIp: 'not-an-ip', requestId: null }, createdAt: 'yesterday', data: { nested: ['a\u0000b'] } } as unknown as AuditEvent;
    const error = (await inTransaction((client) => recordAuditEvent(client, bad, { table })).catch((e: unknown) => e)) as AuditEventError;
    expect(error).toBeInstanceOf(AuditEventError);
    expect(error.problems).toEqual([
      'type: expected a non-empty string, found ""',
      'createdAt: expected a Date or an ISO-8601 string, found "yesterday"',
      'sessionId: expected a non-empty string or null, found nothing',
      'request.sourceIp: expected an IPv4 or IPv6 address or null, found "not-an-ip"',
      'data.nested[0]: contains U+0000, which PostgreSQL cannot store',
    ]);
  });

  it('notifies listeners when, and only when, a transaction that recorded events commits', async () => {
    const listener = await db.connect();
    const heard: string[] = [];
    listener.on('notification', (n) => heard.push(n.channel));
    await listener.query(`LISTEN "${notifyChannel(tableName(table))}"`);
    await inTransaction((client) => recordAuditEvent(client, event(), { table }), 'ROLLBACK');
    await inTransaction((client) => recordAuditEvent(client, event(), { table }));
    // A round trip on the listening connection delivers what the server queued for it.
    await listener.query('SELECT 1');
    expect(heard).toEqual([`ferry_outbox.${table}`]);
  });

  it('works with postgres.js: inside sql.begin it records, outside it refuses', async () => {
    const sql = postgres(db.url, { max: 1, onnotice: () => undefined });
    try {
      const id = await sql.begin((tx) => recordAuditEvent(tx, event(), { table }));
      expect(JSON.parse((await rowsOf(id))[0]!.event)).toMatchObject({ id, data: { actor: 'user_42' } });
      await expect(recordAuditEvent(sql, event({ id: 'evt_pgjs_auto' }), { table })).rejects.toBeInstanceOf(NotInTransactionError);
      const other = db.table('pgjs_outbox');
      await migrate(sql, { table: other });
      await migrate(sql, { table: other });
      expect((await sql.unsafe(`SELECT count(*)::int AS n FROM ${tableName(other).sql}`))[0]).toEqual({ n: 0 });
    } finally {
      await sql.end();
    }
  });
});
