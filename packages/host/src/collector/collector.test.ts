import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readdir, readFile, rm } from 'node:fs/promises';
import { ConfigError, RetryableError, type Logger } from '@ferry/sdk';
import { Collector } from './collector.js';
import { ComponentFailedError } from './errors.js';
import { loadTestConfig } from '../testing/harness.js';
import { eventually, makeEvents, tempDirectory } from '../testing/fixtures.js';
import { destination, destinations } from '../testing/plugins/memory-exporter.js';
import { driven, receivers } from '../testing/plugins/list-receiver.js';

let dir: { path: string; cleanup: () => Promise<void> };
let lines: Array<{ level: string; message: string; fields: Record<string, unknown> }>;
const logger: Logger = {
  debug: (message, fields = {}) => lines.push({ level: 'debug', message, fields: { ...fields } }),
  info: (message, fields = {}) => lines.push({ level: 'info', message, fields: { ...fields } }),
  warn: (message, fields = {}) => lines.push({ level: 'warn', message, fields: { ...fields } }),
  error: (message, fields = {}) => lines.push({ level: 'error', message, fields: { ...fields } }),
  child: () => logger,
};
const running: Collector[] = [];

beforeEach(async () => {
  dir = await tempDirectory();
  lines = [];
  destinations.clear();
  receivers.clear();
});
afterEach(async () => {
  for (const c of running.splice(0)) await c.shutdown({ timeoutMs: 0 });
  await dir.cleanup();
});

const fastRetry = { initialIntervalMs: 5, maxIntervalMs: 20, multiplier: 2, maxElapsedMs: 0 };

async function collectorFor(config: Record<string, unknown>): Promise<Collector> {
  const loaded = await loadTestConfig(dir.path, config);
  const collector = new Collector({ loaded, logger });
  running.push(collector);
  return collector;
}

function pipeline(exporters: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    receivers: { driven: { name: 'in' } },
    exporters,
    service: { pipelines: { events: { receivers: ['driven'], exporters: Object.keys(exporters) } }, shutdownTimeoutMs: 2000 },
    ...extra,
  };
}

const idsOf = (name: string) => destination(name).received.flatMap((b) => b.events.map((e) => e.id));

describe('the collector', () => {
  it('starts exporters first and receivers last, and stops in reverse', async () => {
    const collector = await collectorFor(pipeline({ memory: { name: 'out' } }));
    await collector.start();
    const order: string[] = [];
    order.push(...destination('out').lifecycle, ...driven('in').lifecycle);
    expect(destination('out').lifecycle).toEqual(['start memory']);
    expect(driven('in').lifecycle).toEqual(['start driven']);
    await collector.shutdown();
    expect(driven('in').lifecycle).toEqual(['start driven', 'shutdown driven']);
    expect(destination('out').lifecycle).toEqual(['start memory', 'shutdown memory']);
  });

  it('shutdown is idempotent and safe without start', async () => {
    const collector = await collectorFor(pipeline({ memory: { name: 'out' } }));
    const first = collector.shutdown();
    expect(collector.shutdown()).toBe(first);
    await first;
    expect(destination('out').lifecycle).toEqual(['shutdown memory']);
  });

  it('refuses to start when a component fails, naming it and the cause, and stops what started', async () => {
    destination('broken').failStart = new ConfigError('bucket "x" does not exist');
    const collector = await collectorFor(pipeline({ memory: { name: 'fine' }, 'memory/broken': { name: 'broken' } }));
    const error = await collector.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComponentFailedError);
    expect((error as Error).message).toBe('exporter "memory/broken" failed to start: bucket "x" does not exist');
    expect(destination('fine').lifecycle).toEqual(['start memory', 'shutdown memory']);
    expect(driven('in').lifecycle).toEqual(['shutdown driven']);
  });

  it('only warns when an exporter cannot reach its destination at start, and delivers later', async () => {
    destination('flaky').failStart = new RetryableError('connection refused');
    const collector = await collectorFor(pipeline({ memory: { name: 'flaky', flushIntervalMs: 10 } }));
    await collector.start();
    expect(lines.some((l) => l.level === 'warn' && l.message.includes('could not reach its destination at start'))).toBe(true);
    await driven('in').next!.consume(makeEvents(3));
    await eventually(() => idsOf('flaky').length === 3, 'delivery');
  });

  it('delivers every event once, in order, cut by batch size and timer', async () => {
    const collector = await collectorFor(pipeline({ memory: { name: 'out', batchSize: 40, flushIntervalMs: 20 } }));
    await collector.start();
    for (let i = 0; i < 10; i++) await driven('in').next!.consume(makeEvents(10, i * 10));
    await eventually(() => idsOf('out').length === 100, 'all events');
    expect(idsOf('out')).toEqual(makeEvents(100).map((e) => e.id));
    expect(destination('out').received.every((b) => b.count <= 40)).toBe(true);
  });

  it('retries a failing destination with backoff until it takes the batch', async () => {
    destination('out').script.push('retry', 'retry', { retryAfterMs: 30 });
    const collector = await collectorFor(pipeline({ memory: { name: 'out', flushIntervalMs: 5, retry: fastRetry } }));
    await collector.start();
    await driven('in').next!.consume(makeEvents(5));
    await eventually(() => idsOf('out').length === 5, 'delivery after retries');
    const counts = collector.telemetry.views().find((v) => v.kind === 'exporter' && v.pipeline === 'events')!.counts;
    expect(counts).toMatchObject({ sent: 5, retried: 15, failed: 0 });
  });

  it('dead-letters a batch the destination refuses for good, and keeps going', async () => {
    destination('out').script.push('permanent');
    const collector = await collectorFor(pipeline({ memory: { name: 'out', batchSize: 2, flushIntervalMs: 5, maxInFlight: 1 } }));
    await collector.start();
    await driven('in').next!.consume(makeEvents(4));
    await eventually(() => idsOf('out').length === 2, 'the second batch');
    expect(idsOf('out')).toEqual(['evt_00000002', 'evt_00000003']);
    const letter = lines.find((l) => l.message.startsWith('dead-lettered events'));
    expect(letter?.fields).toMatchObject({ exporter: 'memory', reason: 'destination refused the batch (scripted)', ids: ['evt_00000000', 'evt_00000001'] });
  });

  it("tells an exporter how far another of the same pipeline has got (ctx.progress), dead letters included, and where each batch's events sit in the log", async () => {
    destination('archive').script.push('ok', 'permanent');
    const collector = await collectorFor(
      pipeline({ 'memory/sink': { name: 'sink', batchSize: 2, flushIntervalMs: 5 }, 'memory/archive': { name: 'archive', batchSize: 2, flushIntervalMs: 5, maxInFlight: 1 } }),
    );
    const progress = destination('sink').progress!;
    expect(progress.of('memory/archive', 'events')).toBeUndefined(); // not started yet
    await collector.start();
    expect(progress.of('memory/archive', 'events')).toEqual({ origin: 0, committed: 0, deadLettered: 0, lost: 0 });
    expect(progress.of('memory/archive', 'other')).toBeUndefined();
    expect(progress.of('memory/nothing', 'events')).toBeUndefined();
    await driven('in').next!.consume(makeEvents(6));
    await eventually(() => progress.of('memory/archive', 'events')?.committed === 6, 'the archive past every event');
    // [0, 2) delivered, [2, 4) dead-lettered, [4, 6) delivered.
    expect(progress.of('memory/archive', 'events')).toEqual({ origin: 0, committed: 6, deadLettered: 2, lost: 0 });
    const seqs = destination('sink').received.flatMap((b) => b.events.map((_, i) => `${b.pipeline}:${b.seq(i)}`));
    expect(seqs).toEqual(['events:0', 'events:1', 'events:2', 'events:3', 'events:4', 'events:5']);
  });

  it('keeps each event\'s log position through a retried subset of a batch', async () => {
    destination('out').script.push(() => ({ rejected: [{ index: 1, error: new RetryableError('stopped') }, { index: 3, error: new RetryableError('stopped') }] }));
    const collector = await collectorFor(pipeline({ memory: { name: 'out', batchSize: 4, flushIntervalMs: 5, retry: fastRetry } }));
    await collector.start();
    await driven('in').next!.consume(makeEvents(4));
    await eventually(() => destination('out').received.length === 2, 'the retry of the rejected events');
    const retried = destination('out').received[1]!;
    expect(retried.events.map((e, i) => [e.id, retried.seq(i)])).toEqual([['evt_00000001', 1], ['evt_00000003', 3]]);
  });

  it('retries only the events a destination rejected as retryable, and dead-letters the invalid ones', async () => {
    destination('out').script.push((batch) => ({
      rejected: [
        { index: 1, error: new RetryableError('stopped') },
        { index: 2, error: Object.assign(new Error('invalid row: no such field'), { name: 'PermanentError' }) },
      ],
    }));
    const collector = await collectorFor(pipeline({ memory: { name: 'out', flushIntervalMs: 5, retry: fastRetry } }));
    await collector.start();
    await driven('in').next!.consume(makeEvents(4));
    await eventually(() => idsOf('out').length === 3, 'delivery of the good ones');
    expect(idsOf('out').sort()).toEqual(['evt_00000000', 'evt_00000001', 'evt_00000003']);
    expect(lines.find((l) => l.message.startsWith('dead-lettered'))?.fields).toMatchObject({ ids: ['evt_00000002'], reason: 'invalid row: no such field' });
  });

  it('gives up after retry.maxElapsedMs and dead-letters with the last error', async () => {
    destination('out').script.push(...Array.from({ length: 1000 }, () => 'retry' as const));
    const collector = await collectorFor(pipeline({ memory: { name: 'out', flushIntervalMs: 5, retry: { ...fastRetry, maxElapsedMs: 50 } } }));
    await collector.start();
    await driven('in').next!.consume(makeEvents(1));
    await eventually(() => lines.some((l) => l.message.startsWith('dead-lettered')), 'the batch to be dead-lettered');
    expect(String(lines.find((l) => l.message.startsWith('dead-lettered'))?.fields.reason)).toMatch(/^still failing after \d+ s, and the next retry would pass retry.maxElapsedMs \(50 ms\): destination unavailable \(scripted\)$/);
  });

  it('times out an attempt that hangs and retries it', async () => {
    destination('out').script.push('hang');
    const collector = await collectorFor(pipeline({ memory: { name: 'out', flushIntervalMs: 5, timeoutMs: 30, retry: fastRetry } }));
    await collector.start();
    await driven('in').next!.consume(makeEvents(2));
    await eventually(() => idsOf('out').length === 2, 'delivery after the timeout');
    expect(lines.some((l) => l.fields.error === 'export attempt timed out after 30 ms')).toBe(true);
  });

  it('keeps a healthy exporter at its pace while another one is down', async () => {
    destination('down').script.push(...Array.from({ length: 100_000 }, () => 'retry' as const));
    const collector = await collectorFor(
      pipeline({ 'memory/healthy': { name: 'healthy', flushIntervalMs: 5 }, 'memory/down': { name: 'down', flushIntervalMs: 5, retry: { ...fastRetry, initialIntervalMs: 50, maxIntervalMs: 50 } } }),
    );
    await collector.start();
    for (let i = 0; i < 20; i++) await driven('in').next!.consume(makeEvents(50, i * 50));
    await eventually(() => idsOf('healthy').length === 1000, 'the healthy exporter to get everything');
    expect(idsOf('down')).toEqual([]);
    const down = collector.snapshot().exporters.find((e) => e.exporter === 'memory/down');
    expect(down?.queued).toBe(1000);
    destination('down').script.length = 0;
    await eventually(() => idsOf('down').length === 1000, 'the other exporter to catch up');
    // Each once; not in order: batches that were waiting for a retry go again each on its own.
    expect([...idsOf('down')].sort()).toEqual(makeEvents(1000).map((e) => e.id));
  });

  it('drains what is queued at shutdown, and reports what it could not deliver', async () => {
    const collector = await collectorFor(pipeline({ memory: { name: 'out', batchSize: 1000, flushIntervalMs: 60_000 } }));
    await collector.start();
    await driven('in').next!.consume(makeEvents(7));
    const report = await collector.shutdown();
    expect(report).toEqual({ undelivered: [], durable: false, books: [{ pipeline: 'events', exporter: 'memory', resumed: 0, accepted: 7, delivered: 7, deadLettered: 0, lost: 0, queued: 0 }] });
    expect(idsOf('out')).toHaveLength(7);

    destination('stuck').script.push(...Array.from({ length: 1000 }, () => 'retry' as const));
    const second = await collectorFor(pipeline({ memory: { name: 'stuck', flushIntervalMs: 1, retry: fastRetry } }));
    await second.start();
    await driven('in').next!.consume(makeEvents(3));
    expect(await second.shutdown({ timeoutMs: 50 })).toEqual({
      undelivered: [{ pipeline: 'events', exporter: 'memory', events: 3 }],
      durable: false,
      books: [{ pipeline: 'events', exporter: 'memory', resumed: 0, accepted: 3, delivered: 0, deadLettered: 0, lost: 0, queued: 3 }],
    });
    expect(lines.some((l) => l.level === 'error' && l.message === '3 events could not be delivered to exporter "memory" in pipeline "events" before the shutdown deadline and are lost (no storage configured)')).toBe(true);
  });

  it('runs processors before the log: filtered events are counted and never reach exporters', async () => {
    const collector = await collectorFor({
      ...pipeline({ memory: { name: 'out', flushIntervalMs: 5 } }),
      processors: { tag: { dropType: 'budget.exhausted' } },
      service: { pipelines: { events: { receivers: ['driven'], processors: ['tag'], exporters: ['memory'] } } },
    });
    await collector.start();
    await driven('in').next!.consume([...makeEvents(2), ...makeEvents(2, 2, 'budget.exhausted'), ...makeEvents(1, 4)]);
    await eventually(() => idsOf('out').length === 3, 'the kept events');
    expect(destination('out').received.flatMap((b) => b.events.map((e) => e.tag))).toEqual([1, 2, 3]);
    expect(collector.snapshot()).toMatchObject({ received: 5, filtered: 2 });
  });

  it('with storage, keeps undelivered events and processor state across a restart', async () => {
    const config = {
      ...pipeline({ memory: { name: 'out', flushIntervalMs: 5, retry: fastRetry } }),
      storage: { directory: `${dir.path}/store` },
      processors: { tag: {} },
      service: { pipelines: { events: { receivers: ['driven'], processors: ['tag'], exporters: ['memory'] } }, shutdownTimeoutMs: 50 },
    };
    destination('out').script.push(...Array.from({ length: 100_000 }, () => 'retry' as const));
    const first = await collectorFor(config);
    await first.start();
    await driven('in').next!.consume(makeEvents(4));
    expect(await first.shutdown()).toEqual({
      undelivered: [{ pipeline: 'events', exporter: 'memory', events: 4 }],
      durable: true,
      books: [{ pipeline: 'events', exporter: 'memory', resumed: 0, accepted: 4, delivered: 0, deadLettered: 0, lost: 0, queued: 4 }],
    });

    destination('out').script.length = 0;
    const second = await collectorFor(config);
    await second.start();
    await eventually(() => idsOf('out').length === 4, 'the queued events after restart');
    await driven('in').next!.consume(makeEvents(1, 4));
    await eventually(() => idsOf('out').length === 5, 'a new event');
    expect(destination('out').received.flatMap((b) => b.events.map((e) => e.tag))).toEqual([1, 2, 3, 4, 5]);
    const report = await second.shutdown();
    expect(report.books).toEqual([{ pipeline: 'events', exporter: 'memory', resumed: 4, accepted: 1, delivered: 5, deadLettered: 0, lost: 0, queued: 0 }]);
  });

  it('halts an exporter in front of events missing from the log without damage to account for them, keeping its place and every event', async () => {
    const config = {
      ...pipeline({ memory: { name: 'gap', batchSize: 10, flushIntervalMs: 5, retry: fastRetry } }),
      storage: { directory: `${dir.path}/store`, segmentBytes: 64 * 1024, cacheBytes: 0 },
    };
    destination('gap').script.push(...Array.from({ length: 100_000 }, () => 'retry' as const));
    const first = await collectorFor(config);
    await first.start();
    for (let i = 0; i < 40; i++) await driven('in').next!.consume(makeEvents(50, i * 50));
    await first.shutdown({ timeoutMs: 0 });
    const segments = `${dir.path}/store/pipelines/events/segments`;
    const files = (await readdir(segments)).sort();
    expect(files.length).toBeGreaterThan(3);
    const from = Number(files[1]!.slice(0, -4));
    const to = Number(files[2]!.slice(0, -4));
    await rm(`${segments}/${files[1]}`);

    destination('gap').script.length = 0;
    const second = await collectorFor(config);
    await second.start();
    await eventually(() => lines.some((l) => l.level === 'error' && l.message.startsWith('delivery to exporter "memory" stopped')), 'the exporter to stop at the gap');
    await eventually(() => idsOf('gap').length === from, 'everything before the gap to be delivered');
    expect(idsOf('gap')).toEqual(makeEvents(from).map((e) => e.id));
    const stop = lines.find((l) => l.message.startsWith('delivery to exporter "memory" stopped'))!;
    expect(stop.message).toContain(`events ${from}–${to - 1} (${to - from}) are missing from the log`);
    expect(stop.fields).toMatchObject({ code: 'FERRY_LOG_GAP', from, to });
    const report = await second.shutdown({ timeoutMs: 100 });
    expect(report.books).toEqual([{ pipeline: 'events', exporter: 'memory', resumed: 2000, accepted: 0, delivered: from, deadLettered: 0, lost: 0, queued: 2000 - from }]);
    const cursor = JSON.parse((await readFile(`${dir.path}/store/pipelines/events/cursors/memory.cursor`, 'utf8')).trim().split('\n').filter((l) => l.includes('commit')).pop()!) as { commit: number };
    expect(cursor.commit).toBe(from);
  });

  it('stops when every receiver reports a configuration problem', async () => {
    const collector = await collectorFor(pipeline({ memory: { name: 'out' } }));
    await collector.start();
    const fatal = new Promise<Error>((resolve) => collector.once('fatal', resolve));
    driven('in').reportError!(new ConfigError('authentication failed (401): check receivers.driven.apiKey'));
    expect((await fatal).message).toBe('no receiver is working: receiver "driven": authentication failed (401): check receivers.driven.apiKey');
  });
});
