import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startGenerator } from '@ferry/generator';
import { ferry, ROOT, runFerry } from '../support/ferry-process.js';
import { eventually } from '../support/archive.js';
import { startNdjsonSink } from '../support/ndjson-sink.js';
import { expectBooksBalanced } from '../support/books.js';
import { workspace } from '../support/workspace.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('ferry dlq, through the real binary', () => {
  it('lists events a destination refused for good, with the reason, and replays them once it takes them', async () => {
    const ws = await workspace();
    cleanups.push(ws.cleanup);
    const source = await startGenerator({ apiKey: 'k', mode: 'pull', total: 50, seed: 8 });
    cleanups.push(() => source.close());
    const sink = await startNdjsonSink();
    cleanups.push(() => sink.close());
    sink.otherwise = { status: 400 };
    const config = await ws.config({
      storage: { directory: join(ws.dir, 'storage') },
      plugins: [join(ROOT, 'test', 'custom-exporter', 'http-ndjson-exporter.ts')],
      receivers: { grantex: { url: source.url, apiKey: 'k' } },
      exporters: { http_ndjson: { url: sink.url, batchSize: 10, flushIntervalMs: 20 } },
      service: { pipelines: { events: { receivers: ['grantex'], exporters: ['http_ndjson'] } }, telemetry: { progress: 'always' } },
    });
    const run = runFerry(['run', '--config', config]);
    await source.waitForDelivered(50);
    await run.waitFor('dead-lettered 50');
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(expectBooksBalanced(run, ['http_ndjson'])[0]).toMatchObject({ accepted: 50, delivered: 0, deadLettered: 50, queued: 0 });

    const list = await ferry(['dlq', 'list', '--config', config]);
    expect(list.status).toBe(0);
    expect(list.stdout).toContain('exporter "http_ndjson" in pipeline "events": 50 accepted = 0 delivered + 50 dead-lettered + 0 lost to damage + 0 queued');
    expect(list.stdout).toContain('exporter "http_ndjson": 50 events dead-lettered');
    // The README's exporter names its destination by host only (a URL could carry a secret).
    expect(list.stdout).toContain(`${new URL(sink.url).host} answered 400`);

    sink.otherwise = { status: 200 };
    const replay = await ferry(['dlq', 'replay', '--config', config]);
    expect(replay.stdout).toContain('exporter "http_ndjson": 50 delivered, 0 dead-lettered again, 0 put back');
    expect(replay.status).toBe(0);
    await eventually(() => new Set(sink.events.map((e) => e.id)).size === 50, 'the replayed events at the destination');
    expect(new Set(sink.events.map((e) => e.id))).toEqual(new Set(source.delivered.map((e) => e.id)));
    expect((await ferry(['dlq', 'list', '--config', config])).stdout).toContain('\nno dead letters\n');
  });
});
