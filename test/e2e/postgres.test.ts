import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type pg from 'pg';
import type { FerryEvent } from '@ferry/sdk';
import { migrate, recordAuditEvent } from '@ferry/outbox';
import { inSchema, tableName } from '@ferry/outbox/schema';
import { testSchema, type TestSchema } from '@ferry/outbox/testing';
import { runFerry, type FerryProcess } from '../support/ferry-process.js';
import { archivedEvents, eventually } from '../support/archive.js';
import { expectBooksBalanced } from '../support/books.js';
import { workspace } from '../support/workspace.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
let db: TestSchema;
beforeAll(async () => {
  db = await testSchema('e2e');
});
afterAll(() => db?.drop());

function ferry(config: string): FerryProcess {
  const process = runFerry(['run', '--config', config]);
  cleanups.push(async () => {
    if (process.child.exitCode === null && process.child.signalCode === null) process.signal('SIGKILL');
    await process.exited;
  });
  return process;
}

interface Written {
  readonly committed: Map<string, string>; // event id → grant id
  readonly rolledBack: Set<string>;
  readonly rolledBackGrants: Set<string>;
  readonly old: Set<string>; // events dated three days ago
}

/**
 * An application issuing grants: each transaction inserts a grant and records its audit
 * event (sometimes two), then commits — or, one in seven, rolls back. One transaction takes
 * its outbox positions first and commits last; writers run in parallel, so commits land out
 * of position order all along.
 */
async function application(outbox: string, grants: string, writers: number, transactions: number, whileRunning: () => Promise<void>): Promise<Written> {
  const written: Written = { committed: new Map(), rolledBack: new Set(), rolledBackGrants: new Set(), old: new Set() };
  const longest = await db.connect();
  await longest.query('BEGIN');
  const longIds: string[] = [];
  for (let i = 0; i < 5; i++) {
    await longest.query(`INSERT INTO ${grants} (id, tenant_id) VALUES ($1, 'ten_long')`, [`grnt_long_${i}`]);
    longIds.push(await recordAuditEvent(longest, event(`grnt_long_${i}`, 'ten_long', i), { table: outbox }));
  }
  const clients = await Promise.all(Array.from({ length: writers }, () => db.connect()));
  const during = whileRunning();
  await Promise.all(
    clients.map(async (client, w) => {
      for (let t = 0; t < transactions; t++) {
        const grant = `grnt_${w}_${t}`;
        const tenant = `ten_${(w + t) % 5}`;
        await client.query('BEGIN');
        await client.query(`INSERT INTO ${grants} (id, tenant_id) VALUES ($1, $2)`, [grant, tenant]);
        const ids = [await recordAuditEvent(client, event(grant, tenant, t, t % 10 === 0), { table: outbox })];
        if (t % 3 === 0) ids.push(await recordAuditEvent(client, { ...event(grant, tenant, t), type: 'grant.scoped' }, { table: outbox }));
        if (t % 7 === 3) {
          await client.query('ROLLBACK');
          ids.forEach((id) => written.rolledBack.add(id));
          written.rolledBackGrants.add(grant);
        } else {
          await client.query('COMMIT');
          for (const id of ids) {
            written.committed.set(id, grant);
            if (t % 10 === 0 && ids[0] === id) written.old.add(id);
          }
        }
      }
    }),
  );
  await during;
  await longest.query('COMMIT');
  longIds.forEach((id, i) => written.committed.set(id, `grnt_long_${i}`));
  return written;
}

const THREE_DAYS_AGO = () => new Date(Date.now() - 3 * 86_400_000);
function event(grantId: string, tenantId: string, i: number, old = false) {
  return {
    type: 'grant.issued',
    ...(old ? { createdAt: THREE_DAYS_AGO() } : {}),
    tenantId,
    sessionId: `ses_${i}`,
    grantId,
    actor: `user_${i % 13}`,
    outcome: 'success',
    request: { sourceIp: '198.51.100.7', requestId: `req_${grantId}` },
    data: { scopes: ['calendar:read'], i },
  };
}

async function setUp(name: string): Promise<{ outbox: string; grants: string; sink: string }> {
  const outbox = db.table(`${name}_outbox`);
  const grants = db.table(`${name}_grants`);
  await migrate(db.client, { table: outbox });
  await db.client.query(`CREATE TABLE ${tableName(grants).sql} (id text PRIMARY KEY, tenant_id text NOT NULL)`);
  return { outbox, grants, sink: db.table(`${name}_audit`) };
}

const countOf = async (sql: string) => Number((await db.client.query<{ n: string }>(sql)).rows[0]?.n);

/** Resolves once the sink records a new reading of the archive in `watch`, or after 5 s without one (the archive idle). */
async function newReading(watch: string): Promise<void> {
  const latest = async () => (await db.client.query<{ at: string | null }>(`SELECT max(observed_at)::text AS at FROM ${watch}`)).rows[0]?.at ?? null;
  const before = await latest();
  const deadline = Date.now() + 5_000;
  while ((await latest()) === before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
}
const duplicates = (events: readonly FerryEvent[]) => events.length - new Set(events.map((e) => e.id)).size;

describe('audit events from the application\'s transactions: outbox → Ferry → archive and audit sink, through the real binary', () => {
  it('delivers every committed event and no rolled-back one across kill -9, the sink idempotent, old days dropped only once archived', async () => {
    const ws = await workspace();
    cleanups.push(ws.cleanup);
    const { outbox, grants, sink } = await setUp('one');
    const archive = join(ws.dir, 'archive');
    const config = await ws.config({
      storage: { directory: join(ws.dir, 'storage') },
      receivers: { postgres: { connectionString: db.url, table: outbox, batchSize: 200, pollIntervalMs: 200 } },
      exporters: {
        file: { directory: archive, flushIntervalMs: 100 },
        postgres: { connectionString: db.url, table: sink, flushIntervalMs: 100, retentionDays: 2, requireArchivedBy: 'file', retentionCheckIntervalMs: 1000 },
      },
      service: { pipelines: { audit: { receivers: ['postgres'], exporters: ['file', 'postgres'] } }, shutdownTimeoutMs: 5000 },
    });
    let run = ferry(config);
    await run.waitFor('reading the outbox');
    const written = await application(outbox, tableName(grants).sql, 4, 400, async () => {
      for (const archived of [300, 700, 1100]) {
        await eventually(async () => (await archivedEvents(archive)).length > archived, `more than ${archived} archived`, 60_000);
        // Killed just after the sink recorded a reading of the archive's progress: a reading
        // ahead of the position the archive resumes from would keep the old day for good.
        await newReading(inSchema(tableName(sink), 'archive_watch'));
        run.signal('SIGKILL');
        expect(await run.exited).toBe(137);
        run = ferry(config);
        await run.waitFor('reading the outbox');
      }
    });
    const committed = new Set(written.committed.keys());
    await eventually(async () => {
      const ids = new Set((await archivedEvents(archive)).map((e) => e.id));
      return [...committed].every((id) => ids.has(id));
    }, `every committed event (${committed.size}) archived`, 90_000);
    // Events dated three days ago are past retentionDays: their day goes once the archive has them all.
    const oldDay = THREE_DAYS_AGO().toISOString().slice(0, 10);
    await eventually(async () => (await countOf(`SELECT count(*) AS n FROM ${tableName(sink).sql} WHERE created_at::date = '${oldDay}'`)) === 0, 'the old day dropped', 30_000);
    await eventually(async () => (await countOf(`SELECT count(*) AS n FROM ${tableName(outbox).sql}`)) === 0, 'the outbox emptied', 30_000);
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
    expectBooksBalanced(run, ['file', 'postgres']);

    const archived = await archivedEvents(archive);
    expect(archived.filter((e) => written.rolledBack.has(e.id))).toEqual([]);
    expect(archived.filter((e) => !committed.has(e.id))).toEqual([]);
    // Each grant the application committed has its audit event, and a rolled-back grant has neither.
    const grantRows = (await db.client.query<{ id: string }>(`SELECT id FROM ${tableName(grants).sql}`)).rows.map((r) => r.id);
    expect(new Set(grantRows)).toEqual(new Set(written.committed.values()));
    expect(grantRows.filter((g) => written.rolledBackGrants.has(g))).toEqual([]);
    expect(new Set(archived.map((e) => (e.data as { grantId: string }).grantId))).toEqual(new Set(written.committed.values()));
    // The sink holds each committed event once, but for the dropped old day (all of it archived).
    const inSink = await countOf(`SELECT count(*) AS n FROM ${tableName(sink).sql}`);
    const distinctInSink = await countOf(`SELECT count(DISTINCT event_id) AS n FROM ${tableName(sink).sql}`);
    expect(distinctInSink).toBe(inSink);
    expect(inSink).toBe(committed.size - written.old.size);
    expect(written.old.size).toBeGreaterThan(100);
    console.log(`outbox e2e: ${committed.size} committed, ${written.rolledBack.size} rolled back; archive ${archived.length} records (${duplicates(archived)} duplicates after kill -9); sink ${inSink} rows, ${written.old.size} in a dropped old day`);
  }, 240_000);

  it('two Ferry instances reading one outbox deliver everything between them, one killed with -9 midway, duplicates counted', async () => {
    const ws = await workspace();
    cleanups.push(ws.cleanup);
    const { outbox, grants, sink } = await setUp('two');
    const configs = await Promise.all(
      ['a', 'b'].map((name) =>
        ws.config(
          {
            storage: { directory: join(ws.dir, `storage-${name}`) },
            receivers: { postgres: { connectionString: db.url, table: outbox, batchSize: 50, pollIntervalMs: 200 } },
            exporters: { file: { directory: join(ws.dir, `archive-${name}`), flushIntervalMs: 100 }, postgres: { connectionString: db.url, table: sink, flushIntervalMs: 100 } },
            service: { pipelines: { audit: { receivers: ['postgres'], exporters: ['file', 'postgres'] } }, shutdownTimeoutMs: 5000 },
          },
          `${name}.config.json`,
        ),
      ),
    );
    let a = ferry(configs[0] as string);
    const b = ferry(configs[1] as string);
    await Promise.all([a.waitFor('reading the outbox'), b.waitFor('reading the outbox')]);
    const written = await application(outbox, tableName(grants).sql, 4, 300, async () => {
      await eventually(async () => (await archivedEvents(join(ws.dir, 'archive-a'))).length > 100, 'instance a archiving', 60_000);
      a.signal('SIGKILL');
      expect(await a.exited).toBe(137);
      a = ferry(configs[0] as string);
      await a.waitFor('reading the outbox');
    });
    const committed = new Set(written.committed.keys());
    const both = async () => [...(await archivedEvents(join(ws.dir, 'archive-a'))), ...(await archivedEvents(join(ws.dir, 'archive-b')))];
    await eventually(async () => {
      const ids = new Set((await both()).map((e) => e.id));
      return [...committed].every((id) => ids.has(id));
    }, `every committed event (${committed.size}) archived by one instance or the other`, 90_000);
    for (const run of [a, b]) run.signal('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
    expectBooksBalanced(a, ['file', 'postgres']);
    expectBooksBalanced(b, ['file', 'postgres']);
    const archived = await both();
    expect(archived.filter((e) => !committed.has(e.id))).toEqual([]);
    const fromA = new Set((await archivedEvents(join(ws.dir, 'archive-a'))).map((e) => e.id));
    const fromB = new Set((await archivedEvents(join(ws.dir, 'archive-b'))).map((e) => e.id));
    expect(fromA.size).toBeGreaterThan(0);
    expect(fromB.size).toBeGreaterThan(0);
    const inBoth = [...fromA].filter((id) => fromB.has(id)).length;
    // The shared sink holds each event once, whoever delivered it and however often.
    expect(await countOf(`SELECT count(*) AS n FROM ${tableName(sink).sql}`)).toBe(committed.size);
    console.log(`two readers: ${committed.size} committed; instance a archived ${fromA.size}, b ${fromB.size}; ${inBoth} delivered by both, ${duplicates(archived)} duplicate records in all`);
    // Duplicates come only from leases in flight at the kill: bounded by a few leases, never a multiple of the load.
    expect(duplicates(archived)).toBeLessThan(committed.size / 4);
  }, 240_000);
});
