import { describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { startGenerator } from '@ferry/generator';
import { startS3Peer } from '@ferry/exporter-s3/testing';
import { ferry } from '../support/ferry-process.js';
import { eventually } from '../support/archive.js';
import { workspace } from '../support/workspace.js';
import { markedBlock } from '../support/readme.js';
import { expectBooksBalanced } from '../support/books.js';
import { cleanAfterEach } from '../support/cleanups.js';

const cleanups = cleanAfterEach();
const EVENTS = 1500;

type Row = Record<string, string | null>;

/** The README's DuckDB statements, in order, each with its rows (as JSON-safe values). */
async function runRecipes(archiveRoot: string): Promise<Row[][]> {
  const sql = (await markedBlock('duckdb-recipes')).replaceAll('s3://acme-grantex-events/', `${archiveRoot}/`);
  const statements = sql
    .split(/;\s*\n/)
    .map((statement) => statement.replace(/^\s*--.*$/gm, '').trim())
    .filter((statement) => statement !== '');
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  cleanups.push(() => connection.closeSync());
  const results: Row[][] = [];
  for (const statement of statements) results.push((await connection.runAndReadAll(statement)).getRowObjectsJson() as Row[]);
  return results;
}

describe("the README's DuckDB recipes, on an archive Ferry wrote", () => {
  it('read typed columns, skip the marker, and agree with the events served and with ferry verify', async () => {
    const s3 = await startS3Peer({ buckets: ['acme-grantex-events'] });
    cleanups.push(() => s3.close());
    const source = await startGenerator({ apiKey: 'k', mode: 'pull', total: EVENTS, seed: 77 });
    cleanups.push(() => source.close());
    const ws = await workspace();
    cleanups.push(ws.cleanup);
    const run = cleanups.ferry(
      await ws.config({
        receivers: { grantex: { url: source.url, apiKey: 'k' } },
        processors: { integrity: { writerId: 'recipes' } },
        exporters: { s3: { bucket: 'acme-grantex-events', endpoint: s3.endpoint, forcePathStyle: true, compression: 'gzip', flushIntervalMs: 100, batchSize: 400 } },
        service: { pipelines: { events: { receivers: ['grantex'], processors: ['integrity'], exporters: ['s3'] } } },
      }),
      { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_REGION: 'us-east-1' },
    );
    const archived = async () => (await s3.objects('acme-grantex-events', 'grantex-events/2')).reduce((sum, o) => sum + gunzipSync(o.body).toString().split('\n').filter(Boolean).length, 0);
    await eventually(async () => (await archived()) === EVENTS, 'every event in the bucket');
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
    expectBooksBalanced(run, ['s3']);

    // The bucket as it is, marker included, copied to a directory DuckDB reads without httpfs.
    const root = join(ws.dir, 'bucket');
    const objects = await s3.objects('acme-grantex-events');
    expect(objects.map((o) => o.key)).toContain('grantex-events/_ferry/write-check.json');
    for (const object of objects) {
      await mkdir(dirname(join(root, object.key)), { recursive: true });
      await writeFile(join(root, object.key), object.body);
    }

    const [, types, byGrant, spent, perDay, chain] = await runRecipes(root);
    const served = source.delivered;
    const typeCounts = new Map<string, number>();
    for (const event of served) typeCounts.set(event.type, (typeCounts.get(event.type) ?? 0) + 1);
    expect(types).toEqual([...typeCounts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([type, events]) => ({ type, events: String(events) })));

    const grantId = 'grnt_2bh'; // the README's example, present in this seed's events
    const ofGrant = served.filter((e) => e.data.grantId === grantId).map((e) => e.id).sort();
    expect(ofGrant.length).toBeGreaterThan(0);
    expect(byGrant!.map((r) => r.id)).toEqual(ofGrant);

    // Sums to the cent, from the events' own numbers.
    const cents = new Map<string, number>();
    for (const e of served.filter((e) => e.type.startsWith('budget.'))) cents.set(String(e.data.currency), (cents.get(String(e.data.currency)) ?? 0) + Math.round(Number(e.data.spent) * 100));
    expect(spent).toEqual([...cents].sort(([a], [b]) => (a < b ? -1 : 1)).map(([currency, total]) => ({ currency, spent: (total / 100).toFixed(2) })));

    const verified = await ferry(['verify', join(root, 'grantex-events'), '--json']);
    expect(verified.status, verified.stdout).toBe(0);
    const report = JSON.parse(verified.stdout) as { perDay: Record<string, number>; ignored: number };
    expect(report.ignored).toBe(1); // the marker
    expect(perDay).toEqual(Object.entries(report.perDay).map(([day, events]) => ({ day, events: String(events) })));
    // The folders are the days Ferry received the events, not their createdAt days.
    const folders = new Set(objects.map((o) => o.key.split('/')[1]).filter((folder) => folder !== '_ferry'));
    expect([...folders].some((folder) => folder !== undefined && folder in report.perDay)).toBe(false);

    expect(chain!.map((r) => [r.writer, Number(r.seq)])).toEqual(Array.from({ length: EVENTS }, (_, i) => ['recipes', i + 1]));
    expect(chain!.every((r) => r.id !== null)).toBe(true);
  });
});
