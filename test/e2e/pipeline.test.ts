import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startGenerator, type GeneratorServer } from '@ferry/generator';
import type { FerryEvent } from '@ferry/sdk';
import { runFerry, type FerryProcess } from '../support/ferry-process.js';
import { archivedEvents, eventually, withoutEnvelope } from '../support/archive.js';
import { workspace } from '../support/workspace.js';
import { expectBooksBalanced } from '../support/books.js';

const KEY = 'e2e-key';
const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function generator(options: Omit<Parameters<typeof startGenerator>[0], 'apiKey'>): Promise<GeneratorServer> {
  const server = await startGenerator({ apiKey: KEY, ...options });
  cleanups.push(() => server.close());
  return server;
}

function ferry(config: string): FerryProcess {
  const process = runFerry(['run', '--config', config]);
  cleanups.push(async () => {
    if (process.child.exitCode === null) process.signal('SIGKILL');
    await process.exited;
  });
  return process;
}

function pipelineConfig(url: string, archive: string, extra: Record<string, unknown> = {}) {
  return {
    receivers: { grantex: { url, apiKey: '${env:E2E_GRANTEX_KEY:-' + KEY + '}', reconnect: { initialDelayMs: 20, maxDelayMs: 200 } } },
    processors: { 'filter/no-budget': { exclude: { types: ['budget.*'] } }, batch: { batchSize: 500, flushIntervalMs: 200 } },
    exporters: { file: { directory: archive, compression: 'gzip' } },
    service: { pipelines: { events: { receivers: ['grantex'], processors: ['filter/no-budget', 'batch'], exporters: ['file'] } }, telemetry: { progress: 'always' } },
    ...extra,
  };
}

const kept = (events: readonly FerryEvent[]) => events.filter((e) => !e.type.startsWith('budget.'));

describe('ferry run: Grantex stream → filter → batch → file', () => {
  for (const storage of [false, true]) {
    it(`delivers every kept event exactly once and unaltered through every SSE edge case and dropped connections (${storage ? 'with' : 'without'} storage)`, async () => {
      const ws = await workspace();
      cleanups.push(ws.cleanup);
      const source = await generator({
        mode: 'pull',
        total: 4000,
        seed: 11,
        keepaliveMs: 50,
        faults: { lineEnding: 'mixed', split: 'random', multilineData: true, comments: true, ids: true, retryField: 30, malformedEvery: 101, dropAfter: 900 },
      });
      const archive = join(ws.dir, 'archive');
      const run = ferry(await ws.config(pipelineConfig(source.url, archive, storage ? { storage: { directory: join(ws.dir, 'storage') } } : {})));
      await source.waitForDelivered(4000, 60_000);
      const expected = kept(source.delivered);
      await eventually(async () => (await archivedEvents(archive)).length >= expected.length, 'the archive to hold every kept event', 60_000);
      run.signal('SIGTERM');
      expect(await run.exited).toBe(0);
      const archived = (await archivedEvents(archive)).map(withoutEnvelope);
      expect(archived).toEqual(expected);
      expect(expectBooksBalanced(run, ['file'])[0]).toMatchObject({ resumed: 0, accepted: expected.length, delivered: expected.length, queued: 0 });
      expect(archived.some((e) => e.type.startsWith('budget.'))).toBe(false);
      expect(source.delivered.some((e) => e.type.startsWith('budget.'))).toBe(true);
      expect(source.connections).toBeGreaterThanOrEqual(5);
      expect(run.stderr()).toContain('malformed event skipped');
    });
  }

  it('flushes every event held in a half-full batch at SIGTERM, and exits 0', async () => {
    const ws = await workspace();
    cleanups.push(ws.cleanup);
    const source = await generator({ mode: 'pull', total: 777, seed: 2 });
    const archive = join(ws.dir, 'archive');
    const config = pipelineConfig(source.url, archive);
    config.processors.batch = { batchSize: 100_000, flushIntervalMs: 600_000 };
    const run = ferry(await ws.config(config));
    await source.waitForDelivered(777);
    await run.waitFor('received 777 ');
    expect(await archivedEvents(archive)).toEqual([]);
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
    expect((await archivedEvents(archive)).map(withoutEnvelope)).toEqual(kept(source.delivered));
    expect(expectBooksBalanced(run, ['file'])[0]).toMatchObject({ accepted: kept(source.delivered).length, delivered: kept(source.delivered).length, queued: 0 });
  });

  it('exits at once on a second signal', async () => {
    const ws = await workspace();
    cleanups.push(ws.cleanup);
    const config = {
      plugins: [join(process.cwd(), 'test', 'custom-exporter', 'http-ndjson-exporter.ts')],
      receivers: { grantex: { url: (await generator({ rate: 100, seed: 3 })).url, apiKey: KEY } },
      exporters: { http_ndjson: { url: 'http://127.0.0.1:9/nowhere', flushIntervalMs: 10, retry: { initialIntervalMs: 10, maxIntervalMs: 20 } } },
      service: { pipelines: { events: { receivers: ['grantex'], exporters: ['http_ndjson'] } }, shutdownTimeoutMs: 60_000 },
    };
    const run = ferry(await ws.config(config));
    await run.waitFor('export failed, retrying');
    run.signal('SIGTERM');
    await run.waitFor('SIGTERM received');
    await new Promise((resolve) => setTimeout(resolve, 400));
    run.signal('SIGTERM');
    expect(await run.exited).toBe(130);
    expect(run.stderr()).toContain('SIGTERM again, exiting now');
  });

  it('stops with status 1 and a clear message when Grantex refuses the API key', async () => {
    const ws = await workspace();
    cleanups.push(ws.cleanup);
    const source = await generator({ total: 1 });
    const config = pipelineConfig(source.url, join(ws.dir, 'archive'));
    config.receivers.grantex.apiKey = 'wrong-key-1234';
    const run = ferry(await ws.config(config));
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain(`Grantex refused the API key (401) at ${source.url}/v1/events/stream: check receivers.grantex.apiKey`);
    expect(run.stderr()).toContain('no receiver is working');
    expect(expectBooksBalanced(run, ['file'])[0]).toMatchObject({ accepted: 0, delivered: 0, queued: 0 });
    expect(run.stderr() + run.stdout()).not.toContain('wrong-key-1234');
  });

  it('refuses to start when a component cannot, naming it and the cause', async () => {
    const ws = await workspace();
    cleanups.push(ws.cleanup);
    const blocker = await ws.config('not a directory', 'blocker');
    const run = ferry(await ws.config(pipelineConfig('http://127.0.0.1:9', blocker)));
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toMatch(/ferry: exporter "file" failed to start: .*blocker/);
  });
});
