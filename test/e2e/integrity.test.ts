import { afterEach, describe, expect, it } from 'vitest';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deliverWebhooks, startGenerator } from '@ferry/generator';
import { startS3Peer } from '@ferry/exporter-s3/testing';
import { ferry, runFerry, type FerryProcess } from '../support/ferry-process.js';
import { archivedEvents, eventually } from '../support/archive.js';
import { freePort } from '../support/ports.js';
import { workspace } from '../support/workspace.js';
import { expectBooksBalanced } from '../support/books.js';

const SECRET = 'chain-secret-for-e2e-0123';
const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function start(config: string, env: NodeJS.ProcessEnv = {}): FerryProcess {
  const run = runFerry(['run', '--config', config], { env: { FERRY_CHAIN_SECRET: SECRET, ...env } });
  cleanups.push(async () => {
    if (run.child.exitCode === null && run.child.signalCode === null) run.signal('SIGKILL');
    await run.exited;
  });
  return run;
}

async function files(directory: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(directory, { withFileTypes: true, recursive: true })) if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
  return out.sort();
}

describe('tamper evidence through the real binary', () => {
  it('writes a chain that ferry verify passes on a file archive and on S3, and fails at the block of the changed line once tampered', async () => {
    const ws = await workspace();
    cleanups.push(ws.cleanup);
    const s3 = await startS3Peer({ buckets: ['audit-archive'] });
    cleanups.push(() => s3.close());
    const source = await startGenerator({ apiKey: 'k', mode: 'pull', total: 1500, seed: 12 });
    cleanups.push(() => source.close());
    const archive = join(ws.dir, 'archive');
    const s3Env = { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey };
    const run = start(
      await ws.config({
        storage: { directory: join(ws.dir, 'storage') },
        receivers: { grantex: { url: source.url, apiKey: 'k' } },
        processors: { integrity: { writerId: 'collector-1', secret: '${env:FERRY_CHAIN_SECRET}' }, batch: { batchSize: 200, flushIntervalMs: 100 } },
        exporters: { file: { directory: archive, compression: 'gzip' }, s3: { bucket: 'audit-archive', endpoint: s3.endpoint, forcePathStyle: true } },
        service: { pipelines: { events: { receivers: ['grantex'], processors: ['integrity', 'batch'], exporters: ['file', 's3'] } } },
      }),
      s3Env,
    );
    await source.waitForDelivered(1500);
    await eventually(async () => (await archivedEvents(archive)).length === 1500 && (await s3.objects('audit-archive', 'grantex-events/2')).reduce((n, o) => n + o.body.toString().split('\n').length - 1, 0) === 1500, 'both archives');
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
    for (const books of expectBooksBalanced(run, ['file', 's3'])) expect(books).toMatchObject({ accepted: 1500, delivered: 1500, queued: 0 });

    const env = { FERRY_VERIFY_SECRET: SECRET, ...s3Env };
    const local = await ferry(['verify', archive], { env });
    expect(local.stdout).toContain('writer collector-1: 1,500 records verified (seq 1–1,500)');
    expect(local.status).toBe(0);
    const remote = await ferry(['verify', 's3://audit-archive/grantex-events', '--endpoint', s3.endpoint, '--force-path-style'], { env });
    expect(remote.stdout).toContain('writer collector-1: 1,500 records verified');
    expect(remote.status).toBe(0);
    const noSecret = await ferry(['verify', archive], { env: { FERRY_VERIFY_SECRET: '' } });
    expect(noSecret.status).toBe(1);

    // Change one field of one archived record (decompress, edit, recompress).
    const { gunzipSync, gzipSync } = await import('node:zlib');
    const [first] = await files(archive);
    const lines = gunzipSync(await readFile(first!)).toString().split('\n');
    lines[2] = lines[2]!.replace('"type":"', '"type":"x');
    await writeFile(first!, gzipSync(lines.join('\n')));
    const tampered = await ferry(['verify', archive], { env });
    expect(tampered.status).toBe(1);
    // The break is located to the block that holds line 3 (at most 100 records, named by their first and last line).
    const key = first!.slice(archive.length + 1);
    const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(tampered.stdout).toMatch(new RegExp(`BROKEN at ${escaped}:1: records 1–(\\d+) \\(${escaped}:1 to ${escaped}:\\1\\) do not match their block's hash`));
  });

  it('continues the chain across repeated kill -9 with persistence: verify finds no break, only duplicates', async () => {
    const ws = await workspace();
    cleanups.push(ws.cleanup);
    const port = await freePort();
    const archive = join(ws.dir, 'archive');
    const config = await ws.config({
      storage: { directory: join(ws.dir, 'storage') },
      receivers: { webhook: { endpoint: `127.0.0.1:${port}`, secret: 'whsec' } },
      processors: { integrity: { writerId: 'collector-1', secret: '${env:FERRY_CHAIN_SECRET}' } },
      exporters: { file: { directory: archive, batchSize: 100, flushIntervalMs: 50 } },
      service: { pipelines: { events: { receivers: ['webhook'], processors: ['integrity'], exporters: ['file'] } } },
    });
    const deliveries = deliverWebhooks({ url: `http://127.0.0.1:${port}/webhooks/grantex`, secret: 'whsec', total: 1500, rate: 500, concurrency: 6, seed: 5, retry: { initialDelayMs: 50, maxDelayMs: 300 } });
    cleanups.push(() => deliveries.stop());
    for (let kill = 0; kill < 3; kill++) {
      const run = start(config);
      await run.waitFor('listening for webhook deliveries');
      const before = deliveries.acknowledged.length;
      await eventually(() => deliveries.acknowledged.length > before + 150, 'deliveries');
      run.signal('SIGKILL');
      await run.exited;
    }
    const last = start(config);
    await deliveries.done;
    const acknowledged = new Set(deliveries.acknowledged.map((e) => e.id));
    await eventually(async () => {
      const ids = new Set((await archivedEvents(archive)).map((e) => e.id));
      return [...acknowledged].every((id) => ids.has(id));
    }, 'every acknowledged delivery in the archive');
    last.signal('SIGTERM');
    expect(await last.exited).toBe(0);
    expectBooksBalanced(last, ['file']);
    const result = await ferry(['verify', archive], { env: { FERRY_VERIFY_SECRET: SECRET } });
    console.log(result.stdout.split('\n').slice(0, 3).join('\n'));
    expect(result.stdout).not.toContain('BROKEN');
    expect(result.stdout).not.toContain('MISSING');
    expect(result.status).toBe(0);
  });

  it('lets two collectors with their own writerId share one archive, each chain verified on its own', async () => {
    const ws = await workspace();
    cleanups.push(ws.cleanup);
    const archive = join(ws.dir, 'archive');
    const runs: FerryProcess[] = [];
    for (const writer of ['east', 'west']) {
      const source = await startGenerator({ apiKey: 'k', mode: 'pull', total: 400, seed: writer.length });
      cleanups.push(() => source.close());
      runs.push(
        start(
          await ws.config(
            {
              storage: { directory: join(ws.dir, `storage-${writer}`) },
              receivers: { grantex: { url: source.url, apiKey: 'k' } },
              processors: { integrity: { writerId: writer } },
              exporters: { file: { directory: archive, flushIntervalMs: 50 } },
              service: { pipelines: { events: { receivers: ['grantex'], processors: ['integrity'], exporters: ['file'] } } },
            },
            `${writer}.json`,
          ),
        ),
      );
    }
    await eventually(async () => (await archivedEvents(archive)).length === 800, 'both collectors\' events');
    for (const run of runs) run.signal('SIGTERM');
    for (const run of runs) expect(await run.exited).toBe(0);
    for (const run of runs) expect(expectBooksBalanced(run, ['file'])[0]).toMatchObject({ accepted: 400, delivered: 400, queued: 0 });
    const result = await ferry(['verify', archive]);
    expect(result.stdout).toContain('writer east: 400 records verified');
    expect(result.stdout).toContain('writer west: 400 records verified');
    expect(result.status).toBe(0);
  });
});
