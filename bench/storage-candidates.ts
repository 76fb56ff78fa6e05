/**
 * Measures the candidate designs for Ferry's durable queue on this machine, with the same
 * durability (every acknowledged batch fsynced) and the same workload: 16 producers each
 * appending batches of 25 events (~350 bytes each), then one reader scanning everything
 * back in order, then a reopen. Candidates: Ferry's segment log, better-sqlite3 12 (WAL,
 * synchronous=FULL), lmdb 3 (durable commits). Not part of `pnpm bench`'s default run:
 * the candidates are native modules, installed on demand into .tmp/storage-candidates by
 * `pnpm bench:storage`.
 */
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskLog, silentLogger } from '@ferry/host/internal';

const CANDIDATES = join(process.cwd(), '.tmp', 'storage-candidates', 'package.json');
const require = createRequire(CANDIDATES);
const TOTAL = Number(process.env.STORAGE_BENCH_EVENTS ?? 200_000);
const PRODUCERS = 16;
const BATCH = 25;

const lines = Array.from({ length: TOTAL }, (_, i) =>
  JSON.stringify({
    id: `evt_01J${String(i).padStart(23, '0')}`,
    type: 'grant.created',
    createdAt: '2026-03-01T12:00:00Z',
    data: { grantId: `grnt_${i}`, agentId: `ag_${i % 977}`, principalId: `user-${i % 5003}`, scopes: ['calendar:read', 'email:send'], expiresAt: '2026-03-02T12:00:00Z' },
  }),
);

// The candidates are installed on demand, so their shapes are declared here, as used.
interface SqliteStatement {
  run(...values: unknown[]): unknown;
  all(...values: unknown[]): unknown[];
}
interface SqliteDatabase {
  pragma(text: string): unknown;
  exec(sql: string): unknown;
  prepare(sql: string): SqliteStatement;
  transaction<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
  close(): void;
}
type SqliteConstructor = new (path: string) => SqliteDatabase;
interface LmdbDatabase {
  put(key: number, value: string): Promise<boolean>;
  transaction(fn: () => void): Promise<unknown>;
  getRange(options: { start: number }): Iterable<unknown>;
  close(): Promise<void>;
}
interface LmdbModule {
  open(options: { path: string; encoding: 'string' }): LmdbDatabase;
}

interface Result {
  name: string;
  appendPerSecond: number;
  readPerSecond: number;
  reopenMs: number;
}

async function producers(append: (batch: string[]) => Promise<void>): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: PRODUCERS }, async () => {
      while (next < TOTAL) {
        const from = next;
        next += BATCH;
        await append(lines.slice(from, Math.min(from + BATCH, TOTAL)));
      }
    }),
  );
  return TOTAL / ((performance.now() - started) / 1000);
}

async function ferryLog(directory: string, fsync: 'batch' | 'interval'): Promise<Result> {
  const options = { directory, fsync, fsyncIntervalMs: 1000, maxBytes: 8 * 1024 ** 3, cacheBytes: 0, segmentBytes: 64 * 1024 ** 2, cursorNames: ['reader'], logger: silentLogger() } as const;
  const log = await DiskLog.open(options);
  log.cursor('reader');
  const appendPerSecond = await producers((batch) => log.append(batch.map(() => ({ id: '', type: '', createdAt: '', data: {} })), batch));
  await log.close();
  const opened = performance.now();
  const again = await DiskLog.open(options);
  const reopenMs = performance.now() - opened;
  const cursor = again.cursor('reader');
  const readStart = performance.now();
  let read = 0;
  for (let slice = await cursor.take(1000, 1e9); slice; slice = await cursor.take(1000, 1e9)) read += slice.lines.length;
  const readPerSecond = read / ((performance.now() - readStart) / 1000);
  await again.close();
  return { name: `Ferry segment log (fsync: ${fsync})`, appendPerSecond, readPerSecond, reopenMs };
}

async function sqlite(directory: string): Promise<Result> {
  const Database = require('better-sqlite3') as SqliteConstructor;
  const path = join(directory, 'queue.db');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE events (seq INTEGER PRIMARY KEY, line TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO events (line) VALUES (?)');
  const insertMany = db.transaction((batch: string[]) => {
    for (const line of batch) insert.run(line);
  });
  // better-sqlite3 is synchronous: each transaction commits (and fsyncs) before the next producer runs.
  const appendPerSecond = await producers(async (batch) => insertMany(batch));
  db.close();
  const opened = performance.now();
  const again = new Database(path);
  again.pragma('journal_mode = WAL');
  const reopenMs = performance.now() - opened;
  const page = again.prepare('SELECT seq, line FROM events WHERE seq > ? ORDER BY seq LIMIT 1000');
  const readStart = performance.now();
  let read = 0;
  for (let last = 0, rows = page.all(last) as Array<{ seq: number; line: string }>; rows.length > 0; rows = page.all(last) as Array<{ seq: number; line: string }>) {
    read += rows.length;
    last = rows[rows.length - 1]!.seq;
  }
  const readPerSecond = read / ((performance.now() - readStart) / 1000);
  again.close();
  return { name: 'better-sqlite3 12 (WAL, synchronous=FULL)', appendPerSecond, readPerSecond, reopenMs };
}

async function lmdb(directory: string): Promise<Result> {
  const { open } = require('lmdb') as LmdbModule;
  const path = join(directory, 'queue.lmdb');
  const db = open({ path, encoding: 'string' });
  let seq = 0;
  // lmdb-js batches concurrent async writes into one durable transaction (group commit).
  const appendPerSecond = await producers(async (batch) => {
    await db.transaction(() => {
      for (const line of batch) void db.put(++seq, line);
    });
  });
  await db.close();
  const opened = performance.now();
  const again = open({ path, encoding: 'string' });
  const reopenMs = performance.now() - opened;
  const readStart = performance.now();
  let read = 0;
  for (const _ of again.getRange({ start: 0 })) read++;
  const readPerSecond = read / ((performance.now() - readStart) / 1000);
  await again.close();
  return { name: 'lmdb 3 (durable commits)', appendPerSecond, readPerSecond, reopenMs };
}

export async function benchmark(): Promise<Result[]> {
  const results: Result[] = [];
  for (const run of [(d: string) => ferryLog(d, 'batch'), (d: string) => ferryLog(d, 'interval'), sqlite, lmdb]) {
    const directory = await mkdtemp(join(tmpdir(), 'ferry-storage-bench-'));
    try {
      results.push(await run(directory));
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await benchmark();
  const f = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(`${TOTAL.toLocaleString('en-US')} events (~${Math.round(lines.reduce((s, l) => s + l.length, 0) / TOTAL)} B), ${PRODUCERS} producers × batches of ${BATCH}, every batch durable before its ack`);
  console.log('| Candidate | Appends/s (acked durably) | Sequential read/s | Reopen (ms) |');
  console.log('| --- | --- | --- | --- |');
  for (const r of results) console.log(`| ${r.name} | ${f(r.appendPerSecond)} | ${f(r.readPerSecond)} | ${f(r.reopenMs)} |`);
}
