import { afterEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGenerator } from '@ferry/generator';
import { ROOT, runFerry, type FerryProcess } from '../support/ferry-process.js';
import { archivedEvents, eventually } from '../support/archive.js';
import { startNdjsonSink } from '../support/ndjson-sink.js';
import { workspace } from '../support/workspace.js';
import { expectBooksBalanced } from '../support/books.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Starts ferry and makes sure it is gone when the test ends, whatever happened. */
function start(args: string[], options: { cwd?: string } = {}): FerryProcess {
  const run = runFerry(args, options);
  cleanups.push(async () => {
    if (run.child.exitCode === null && run.child.signalCode === null) run.signal('SIGKILL');
    await run.exited;
  });
  return run;
}

/** The structured lines a non-terminal ferry writes on stderr. */
function logLines(run: FerryProcess): Array<Record<string, unknown>> {
  return run
    .stderr()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function summaryOf(run: FerryProcess): unknown {
  return logLines(run).find((line) => 'summary' in line)?.summary;
}

async function filesNamed(directory: string, name: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name === name).map((e) => join(e.parentPath, e.name));
}

describe('ferry run, from start to stop', () => {
  it('reads relative paths from the config file\'s folder whatever the working directory, and logs them absolute', async () => {
    const ws = await workspace();
    cleanups.push(ws.cleanup);
    const elsewhere = await mkdtemp(join(tmpdir(), 'ferry-cwd-'));
    cleanups.push(() => rm(elsewhere, { recursive: true, force: true }));
    const source = await startGenerator({ apiKey: 'k', mode: 'pull', total: 120, seed: 21 });
    cleanups.push(() => source.close());
    const config = await ws.config({
      storage: { directory: '.ferry/storage' },
      receivers: { grantex: { url: source.url, apiKey: 'k' } },
      exporters: { file: { directory: '.ferry/archive', flushIntervalMs: 50 } },
      service: { pipelines: { events: { receivers: ['grantex'], exporters: ['file'] } } },
    });

    const run = start(['run', '--config', config], { cwd: elsewhere });
    const archive = join(ws.dir, '.ferry', 'archive');
    await eventually(async () => (await archivedEvents(archive)).length === 120, 'the archive next to the config');
    expect(run.stderr()).toContain(`storage: new, in ${join(ws.dir, '.ferry', 'storage')}; archive ${archive}`);
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(existsSync(join(elsewhere, '.ferry'))).toBe(false);
    expect(summaryOf(run)).toEqual([{ pipeline: 'events', exporter: 'file', delivered: 120, queued: 0, deadLettered: 0, lost: 0, archive }]);
    expect(expectBooksBalanced(run, ['file'])[0]).toMatchObject({ accepted: 120, delivered: 120, queued: 0 });
  });

  it('says what it resumed and how much was queued, and sums up each run: delivered, queued, dead-lettered', async () => {
    const ws = await workspace();
    cleanups.push(ws.cleanup);
    const source = await startGenerator({ apiKey: 'k', mode: 'pull', total: 50, seed: 22 });
    cleanups.push(() => source.close());
    const sink = await startNdjsonSink();
    cleanups.push(() => sink.close());
    sink.otherwise = { status: 503 };
    const storage = join(ws.dir, 'storage');
    const config = await ws.config({
      plugins: [join(ROOT, 'test', 'custom-exporter', 'http-ndjson-exporter.ts')],
      storage: { directory: storage },
      receivers: { grantex: { url: source.url, apiKey: 'k' } },
      exporters: {
        file: { directory: join(ws.dir, 'archive'), flushIntervalMs: 50 },
        http_ndjson: { url: sink.url, flushIntervalMs: 50, retry: { initialIntervalMs: 50, maxIntervalMs: 100 } },
      },
      service: { pipelines: { events: { receivers: ['grantex'], exporters: ['file', 'http_ndjson'] } }, shutdownTimeoutMs: 300 },
    });

    const first = start(['run', '--config', config]);
    await eventually(async () => (await archivedEvents(join(ws.dir, 'archive'))).length === 50, 'every event in the archive');
    await eventually(() => (sink.requests.byStatus.get(503) ?? 0) > 0, 'the failing destination to be tried');
    first.signal('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.stderr()).toContain(`storage: new, in ${storage}`);
    expect(expectBooksBalanced(first, ['file', 'http_ndjson']).map((b) => [b.exporter, b.accepted, b.delivered, b.queued])).toEqual([
      ['file', 50, 50, 0],
      ['http_ndjson', 50, 0, 50],
    ]);
    expect(summaryOf(first)).toEqual([
      { pipeline: 'events', exporter: 'file', delivered: 50, queued: 0, deadLettered: 0, lost: 0, archive: join(ws.dir, 'archive') },
      { pipeline: 'events', exporter: 'http_ndjson', delivered: 0, queued: 50, deadLettered: 0, lost: 0 },
    ]);

    sink.otherwise = { status: 200 };
    const second = start(['run', '--config', config]);
    await second.waitFor(`storage: resumed ${storage} — queued from the last run: 50 for http_ndjson`);
    await eventually(() => new Set(sink.events.map((e) => e.id)).size === 50, 'the queued events at the destination');
    second.signal('SIGTERM');
    expect(await second.exited).toBe(0);
    // The second run's books open with what the first left queued.
    expect(expectBooksBalanced(second, ['file', 'http_ndjson']).map((b) => [b.exporter, b.resumed, b.accepted, b.delivered, b.queued])).toEqual([
      ['file', 0, 0, 0, 0],
      ['http_ndjson', 50, 0, 50, 0],
    ]);
    expect(summaryOf(second)).toEqual([
      { pipeline: 'events', exporter: 'file', delivered: 0, queued: 0, deadLettered: 0, lost: 0, archive: join(ws.dir, 'archive') },
      { pipeline: 'events', exporter: 'http_ndjson', delivered: 50, queued: 0, deadLettered: 0, lost: 0 },
    ]);
  });

  it('reloads on SIGHUP (an unchanged config changes nothing), drains on SIGTERM and leaves no storage lock behind', async () => {
    const ws = await workspace();
    cleanups.push(ws.cleanup);
    const source = await startGenerator({ apiKey: 'k', mode: 'pull', total: 30, seed: 23 });
    cleanups.push(() => source.close());
    const storage = join(ws.dir, 'storage');
    const config = await ws.config({
      storage: { directory: storage },
      receivers: { grantex: { url: source.url, apiKey: 'k' } },
      exporters: { file: { directory: join(ws.dir, 'archive'), flushIntervalMs: 50 } },
      service: { pipelines: { events: { receivers: ['grantex'], exporters: ['file'] } } },
    });

    const run = start(['run', '--config', config]);
    await eventually(async () => (await archivedEvents(join(ws.dir, 'archive'))).length === 30, 'every event in the archive');
    expect(await filesNamed(storage, 'LOCK')).not.toEqual([]);
    run.signal('SIGHUP');
    await run.waitFor('config reloaded');
    expect(run.stderr()).toContain(`config reloaded from ${config}: nothing changed`);
    expect(run.child.exitCode).toBeNull();
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(expectBooksBalanced(run, ['file'])[0]).toMatchObject({ accepted: 30, delivered: 30, queued: 0 });
    expect(await filesNamed(storage, 'LOCK')).toEqual([]);
  });
});
