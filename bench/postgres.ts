/**
 * The postgres figures of `pnpm bench` (issue 12), on the local PostgreSQL (127.0.0.1:5432,
 * database `test`), each in a schema of its own:
 * - outbox → Ferry → file archive, events/s, beside the rate the writers inserted at;
 * - the audit sink's insert rate (the exporter in this process, batches of 1,000);
 * - latency from commit to archive, median and p99, with NOTIFY on and off.
 * `BENCH_OUTBOX_EVENTS` (40,000) scales the first.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type pg from 'pg';
import { createBatch, type FerryEvent } from '@ferry/sdk';
import { createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import { migrate, recordAuditEvent, type AuditEvent } from '@ferry/outbox';
import { testSchema, type TestSchema } from '@ferry/outbox/testing';
import postgresExporter from '@ferry/exporter-postgres';
import { fmt, runFerry, scratch, type FerryProcess } from './support.js';

const EVENTS = Number(process.env.BENCH_OUTBOX_EVENTS ?? 40_000);
const WRITERS = 4;
const PER_TRANSACTION = 10;

const audit = (w: number, i: number): AuditEvent => ({
  type: 'grant.issued',
  tenantId: `ten_${(w * 7 + i) % 50}`,
  sessionId: `ses_${i}`,
  grantId: `grnt_${w}_${i}`,
  actor: `user_${i % 100}`,
  outcome: 'success',
  request: { sourceIp: '203.0.113.9', requestId: `req_${w}_${i}` },
  data: { scopes: ['calendar:read', 'mail:send'], note: 'a grant issued by the bench' },
});

/** Every id in a file archive with the time it was first seen there, polled every few ms. */
class ArchiveWatcher {
  readonly seen = new Map<string, number>();
  readonly #read = new Set<string>();
  #stopped = false;
  readonly done: Promise<void>;
  constructor(directory: string) {
    this.done = this.#poll(directory);
  }
  async #poll(directory: string): Promise<void> {
    while (!this.#stopped) {
      for (const file of await files(directory)) {
        if (this.#read.has(file) || file.endsWith('.tmp')) continue;
        let raw: Buffer;
        try {
          raw = await readFile(file);
        } catch {
          continue;
        }
        this.#read.add(file);
        const now = Date.now();
        const text = (file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
        for (const line of text.split('\n')) {
          if (!line) continue;
          const id = (JSON.parse(line) as FerryEvent).id;
          if (!this.seen.has(id)) this.seen.set(id, now);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.done;
  }
}

async function files(directory: string): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await readdir(directory, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) out.push(...(await files(path)));
    else if (!entry.name.startsWith('.')) out.push(path);
  }
  return out;
}

async function ferryOnOutbox(db: TestSchema, table: string, dir: string, receiver: Record<string, unknown>, config: (value: unknown) => Promise<string>): Promise<{ run: FerryProcess; archive: string }> {
  const archive = join(dir, 'archive');
  const path = await config({
    storage: { directory: join(dir, 'storage') },
    receivers: { postgres: { connectionString: db.url, table, ...receiver } },
    exporters: { file: { directory: archive, flushIntervalMs: 20 } },
    service: { pipelines: { audit: { receivers: ['postgres'], exporters: ['file'] } } },
  });
  const run = runFerry(['run', '--config', path]);
  await run.waitFor('reading the outbox', 60_000);
  return { run, archive };
}

async function stop(run: FerryProcess): Promise<void> {
  run.signal('SIGTERM');
  await run.exited;
}

async function throughput(db: TestSchema): Promise<string[]> {
  const table = db.table('bench_outbox');
  await migrate(db.client, { table });
  const work = await scratch();
  try {
    const { run, archive } = await ferryOnOutbox(db, table, work.dir, { batchSize: 1000 }, (v) => work.config(v));
    const watcher = new ArchiveWatcher(archive);
    const clients = await Promise.all(Array.from({ length: WRITERS }, () => db.connect()));
    const started = Date.now();
    const perWriter = EVENTS / WRITERS;
    await Promise.all(
      clients.map(async (client: pg.Client, w) => {
        for (let i = 0; i < perWriter; i += PER_TRANSACTION) {
          await client.query('BEGIN');
          for (let k = i; k < i + PER_TRANSACTION; k++) await recordAuditEvent(client, audit(w, k), { table });
          await client.query('COMMIT');
        }
      }),
    );
    const written = Date.now();
    const deadline = Date.now() + 300_000;
    while (watcher.seen.size < EVENTS && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const landed = Math.max(...watcher.seen.values());
    await watcher.stop();
    await stop(run);
    const writeRate = EVENTS / ((written - started) / 1000);
    const ferryRate = watcher.seen.size / ((landed - started) / 1000);
    return [
      `| Writers: ${WRITERS} connections, ${PER_TRANSACTION} events per transaction (recordAuditEvent) | ${fmt(writeRate)} | — |`,
      `| Ferry: outbox → pipeline log (fsync per lease) → file archive, first insert to last event landed | ${fmt(ferryRate)} | ${watcher.seen.size === EVENTS ? `all ${fmt(EVENTS)} landed` : `only ${fmt(watcher.seen.size)} of ${fmt(EVENTS)} landed`}; last landed ${((landed - written) / 1000).toFixed(2)} s after the last commit |`,
    ];
  } finally {
    await work.cleanup();
  }
}

/** A backlog written before Ferry starts, drained: what the receiver can take when writers are not the limit. */
async function drain(db: TestSchema): Promise<string> {
  const table = db.table('bench_backlog');
  await migrate(db.client, { table });
  const clients = await Promise.all(Array.from({ length: WRITERS }, () => db.connect()));
  await Promise.all(
    clients.map(async (client: pg.Client, w) => {
      for (let i = 0; i < EVENTS / WRITERS; i += 100) {
        await client.query('BEGIN');
        for (let k = i; k < i + 100; k++) await recordAuditEvent(client, audit(w, k), { table });
        await client.query('COMMIT');
      }
    }),
  );
  const work = await scratch();
  try {
    const { run, archive } = await ferryOnOutbox(db, table, work.dir, { batchSize: 1000 }, (v) => work.config(v));
    const ready = Date.now();
    const watcher = new ArchiveWatcher(archive);
    const deadline = Date.now() + 300_000;
    while (watcher.seen.size < EVENTS && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const landed = Math.max(...watcher.seen.values());
    await watcher.stop();
    await stop(run);
    return `| Ferry draining a backlog of ${fmt(EVENTS)} committed events (batchSize 1000), ready to last landed | ${fmt(watcher.seen.size / ((landed - ready) / 1000))} | ${watcher.seen.size === EVENTS ? 'all landed' : `only ${fmt(watcher.seen.size)} landed`}; rows deleted as they are accepted |`;
  } finally {
    await work.cleanup();
  }
}

async function sinkRate(db: TestSchema): Promise<string> {
  const ctx = createTestContext(resolveConfig(postgresExporter.configSchema, { connectionString: db.url, table: db.table('bench_sink') }), { id: 'postgres' });
  const exporter = postgresExporter.create(ctx);
  await exporter.start?.();
  const total = 100_000;
  const size = 1000;
  const day = Date.now();
  const batches = Array.from({ length: total / size }, (_, b) =>
    createBatch({
      events: Array.from({ length: size }, (_, i) => ({ id: `evt_bench_${b}_${i}`, type: 'grant.issued', createdAt: new Date(day - (i % 3) * 86_400_000).toISOString(), data: { schemaVersion: 1, ...audit(b, i), data: { i } } }) as unknown as FerryEvent),
      firstSeq: b * size,
      pipeline: 'bench',
    }),
  );
  const started = Date.now();
  // As the host sends them: up to maxInFlight (4) batches at once.
  let next = 0;
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (next < batches.length) await exporter.export(batches[next++]!, { signal: new AbortController().signal, attempt: 1 });
  }));
  const seconds = (Date.now() - started) / 1000;
  await exporter.shutdown?.();
  return `| The audit sink: ${fmt(total)} events in batches of ${size}, 4 in flight (one unnest INSERT each, three day partitions) | ${fmt(total / seconds)} | — |`;
}

async function latency(db: TestSchema, listen: boolean): Promise<string> {
  const table = db.table(`bench_latency_${listen ? 'notify' : 'poll'}`);
  await migrate(db.client, { table });
  const work = await scratch();
  try {
    const { run, archive } = await ferryOnOutbox(db, table, work.dir, { listen }, (v) => work.config(v));
    const watcher = new ArchiveWatcher(archive);
    const client = await db.connect();
    const committed = new Map<string, number>();
    for (let i = 0; i < 200; i++) {
      await client.query('BEGIN');
      const id = await recordAuditEvent(client, audit(9, i), { table });
      await client.query('COMMIT');
      committed.set(id, Date.now());
      await new Promise((resolve) => setTimeout(resolve, 15 + Math.random() * 20));
    }
    const deadline = Date.now() + 30_000;
    while (watcher.seen.size < committed.size && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await watcher.stop();
    await stop(run);
    const delays = [...committed].map(([id, at]) => (watcher.seen.get(id) ?? Number.NaN) - at).sort((a, b) => a - b);
    const at = (q: number) => delays[Math.min(delays.length - 1, Math.floor(q * delays.length))] as number;
    return `| ${listen ? 'NOTIFY on (LISTEN), polling every 1 s as the fallback' : 'NOTIFY off: polling every 1 s (pollIntervalMs)'} | ${fmt(at(0.5))} ms | ${fmt(at(0.99))} ms |`;
  } finally {
    await work.cleanup();
  }
}

export async function report(): Promise<string[]> {
  const db = await testSchema('bench');
  try {
    const lines = ['', `## PostgreSQL outbox and audit sink (local PostgreSQL, ${fmt(EVENTS)} events)`, '', '| Run | Events/s | Notes |', '| --- | --- | --- |'];
    lines.push(...(await throughput(db)));
    lines.push(await drain(db));
    lines.push(await sinkRate(db));
    lines.push('', 'Commit → archive latency (one event committed every 15–35 ms, 200 events; the file exporter flushes every 20 ms; landing seen by polling the archive every 5 ms):', '', '| Mode | Median | p99 |', '| --- | --- | --- |');
    lines.push(await latency(db, true));
    lines.push(await latency(db, false));
    return lines;
  } finally {
    await db.drop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) for (const line of await report()) process.stdout.write(`${line}\n`);
