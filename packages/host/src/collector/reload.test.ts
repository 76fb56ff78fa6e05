import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, type Logger } from '@ferry/sdk';
import { Collector } from './collector.js';
import { loadTestConfig } from '../testing/harness.js';
import { eventually, makeEvents, tempDirectory } from '../testing/fixtures.js';
import { destination, destinations } from '../testing/plugins/memory-exporter.js';
import { driven, receivers } from '../testing/plugins/list-receiver.js';

let dir: { path: string; cleanup: () => Promise<void> };
let lines: Array<{ level: string; message: string; fields: Record<string, unknown> }>;
const logger: Logger = {
  debug: () => {},
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

function config(exporters: Record<string, unknown>, extra: { processors?: Record<string, unknown>; pipelineProcessors?: string[] } = {}) {
  return {
    storage: { directory: `${dir.path}/store`, segmentBytes: 64 * 1024, cacheBytes: 0 },
    receivers: { driven: { name: 'in' } },
    processors: extra.processors ?? {},
    exporters,
    service: { pipelines: { events: { receivers: ['driven'], processors: extra.pipelineProcessors ?? [], exporters: Object.keys(exporters) } }, shutdownTimeoutMs: 2000 },
  };
}

async function start(c: Record<string, unknown>): Promise<Collector> {
  const collector = new Collector({ loaded: await loadTestConfig(dir.path, c), logger });
  running.push(collector);
  await collector.start();
  return collector;
}

const idsOf = (name: string) => destination(name).received.flatMap((b) => b.events.map((e) => e.id));

/** Feeds `total` events in small calls while `during` runs, as receivers do under load. */
async function feed(total: number, during: () => Promise<void>): Promise<void> {
  let sent = 0;
  const feeding = (async () => {
    while (sent < total) {
      await driven('in').next!.consume(makeEvents(20, sent));
      sent += 20;
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  await eventually(() => sent >= total / 4, 'a quarter of the events to be in');
  await during();
  await feeding;
}

describe('reloading the config while running', () => {
  it("changes an exporter's batch size under load: every event delivered exactly once, in order, with no batch re-cut", async () => {
    const first = config({ 'memory/a': { name: 'a', batchSize: 7, flushIntervalMs: 5, retry: fastRetry }, 'memory/b': { name: 'b', batchSize: 50, flushIntervalMs: 5 } });
    const collector = await start(first);
    await feed(2000, async () => {
      const report = await collector.reload(await loadTestConfig(dir.path, config({ 'memory/a': { name: 'a', batchSize: 13, flushIntervalMs: 5, retry: fastRetry }, 'memory/b': { name: 'b', batchSize: 50, flushIntervalMs: 5 } })));
      expect(report).toMatchObject({ applied: true, refused: [] });
      expect(report.plan?.exporters.restart).toEqual(['memory/a']);
    });
    await eventually(() => idsOf('a').length >= 2000 && idsOf('b').length >= 2000, 'both exporters to have everything');
    const all = makeEvents(2000).map((e) => e.id);
    expect(idsOf('a')).toEqual(all);
    expect(idsOf('b')).toEqual(all);
    // The unchanged exporter kept its runner: one instance, started once.
    expect(destination('b').lifecycle).toEqual(['start memory/b']);
    expect(destination('a').lifecycle).toEqual(['start memory/a', 'shutdown memory/a', 'start memory/a']);
    const sizes = destination('a').received.map((b) => b.count);
    expect(sizes.some((n) => n === 13)).toBe(true);
    const report = await collector.shutdown();
    for (const b of report.books) expect(b).toMatchObject({ accepted: 2000, delivered: 2000, queued: 0 });
  });

  it('a batch in flight at the reload finishes first; one that cannot (destination down) is cut again the same way by the new runner', async () => {
    destination('slow').script.push(...Array.from({ length: 30 }, () => 'retry' as const));
    const c1 = config({ 'memory/slow': { name: 'slow', batchSize: 10, flushIntervalMs: 5, maxInFlight: 1, retry: fastRetry } });
    const collector = await start({ ...c1, service: { ...c1.service, shutdownTimeoutMs: 50 } });
    // One append of 15: the first batch is its first 10; the other 5 wait behind it (one in flight).
    await driven('in').next!.consume(makeEvents(15));
    await eventually(() => destination('slow').script.length < 28, 'the batch to be retrying');
    const c2 = config({ 'memory/slow': { name: 'slow', batchSize: 100, flushIntervalMs: 5, maxInFlight: 1, retry: fastRetry } });
    const report = await collector.reload(await loadTestConfig(dir.path, { ...c2, service: { ...c2.service, shutdownTimeoutMs: 50 } }));
    expect(report.applied).toBe(true);
    destination('slow').script.length = 0;
    await eventually(() => idsOf('slow').length >= 15, 'everything after the reload');
    expect(idsOf('slow')).toEqual(makeEvents(15).map((e) => e.id));
    // The abandoned batch was cut again as it had been (its 10 events), though all 15 would now fit in one.
    expect(destination('slow').received.map((b) => b.count)).toEqual([10, 5]);
  });

  it('holds batches refused for the configuration (queued, never dead-lettered, reported once), and a reload with a fixed config delivers them at once', async () => {
    destination('out').script.push(...Array.from({ length: 1000 }, () => 'config' as const));
    // A held batch waits the longest interval (a minute here) before its next attempt: the reload must not wait for it.
    const slowRetry = { initialIntervalMs: 5, maxIntervalMs: 60_000, multiplier: 2, maxElapsedMs: 100 };
    const collector = await start(config({ 'memory/out': { name: 'out', apiKey: 'revoked-key-0001', batchSize: 10, flushIntervalMs: 5, retry: slowRetry } }));
    await driven('in').next!.consume(makeEvents(30));
    await eventually(() => destination('out').script.length <= 997, 'every batch to meet the refusal');
    const reported = () => lines.filter((l) => l.message.startsWith('exporter "memory/out" has a configuration problem'));
    expect(reported().map((l) => [l.level, l.message])).toEqual([
      ['error', 'exporter "memory/out" has a configuration problem: destination refused the API key (scripted): check exporters.memory.apiKey; its events stay queued, not dead-lettered, until it delivers again or a reload (SIGHUP) with a fixed config replaces it'],
    ]);
    expect(collector.books()).toEqual([expect.objectContaining({ exporter: 'memory/out', accepted: 30, delivered: 0, deadLettered: 0, queued: 30 })]);
    expect(lines.some((l) => l.message === 'events dead-lettered')).toBe(false);

    destination('out').script.length = 0; // the new key works
    const fixed = await collector.reload(await loadTestConfig(dir.path, config({ 'memory/out': { name: 'out', apiKey: 'working-key-0002', batchSize: 10, flushIntervalMs: 5, retry: slowRetry } })));
    expect(fixed.plan?.exporters.restart).toEqual(['memory/out']);
    await eventually(() => idsOf('out').length === 30, 'the held events, delivered after the reload', 5000);
    expect(idsOf('out')).toEqual(makeEvents(30).map((e) => e.id));
    expect((await collector.shutdown()).books.map((b) => [b.accepted, b.delivered, b.deadLettered, b.queued])).toEqual([[30, 30, 0, 0]]);
  });

  it('adds an exporter (it starts with the events that arrive from then on) and removes one with a backlog (kept, reported, books logged)', async () => {
    destination('down').script.push(...Array.from({ length: 100_000 }, () => 'retry' as const));
    const collector = await start(config({ 'memory/keep': { name: 'keep', flushIntervalMs: 5 }, 'memory/down': { name: 'down', flushIntervalMs: 5, retry: fastRetry } }));
    await driven('in').next!.consume(makeEvents(100));
    await eventually(() => idsOf('keep').length === 100, 'the healthy exporter');
    const c2 = config({ 'memory/keep': { name: 'keep', flushIntervalMs: 5 }, 'memory/new': { name: 'new', flushIntervalMs: 5 } });
    const report = await collector.reload(await loadTestConfig(dir.path, { ...c2, service: { ...c2.service, shutdownTimeoutMs: 50 } }));
    expect(report.plan?.exporters).toEqual({ add: ['memory/new'], remove: ['memory/down'], restart: [] });
    const removal = lines.find((l) => l.message.startsWith('exporter "memory/down" was removed from pipeline "events" with 100 events it had not received'));
    expect(removal?.level).toBe('warn');
    expect(lines.some((l) => l.fields.books === 'balanced' && l.fields.exporter === 'memory/down' && l.fields.queued === 100)).toBe(true);
    await driven('in').next!.consume(makeEvents(30, 100));
    await eventually(() => idsOf('keep').length === 130 && idsOf('new').length === 30, 'both exporters after the reload');
    expect(idsOf('new')).toEqual(makeEvents(30, 100).map((e) => e.id));
    const books = (await collector.shutdown()).books;
    expect(books.map((b) => [b.exporter, b.accepted, b.delivered, b.queued])).toEqual([
      ['memory/keep', 130, 130, 0],
      ['memory/new', 30, 30, 0],
    ]);
  });

  it("swaps a pipeline's processors between two batches, carrying their state over", async () => {
    const collector = await start(config({ 'memory/out': { name: 'out', flushIntervalMs: 5 } }, { processors: { tag: {} }, pipelineProcessors: ['tag'] }));
    await driven('in').next!.consume(makeEvents(5));
    const report = await collector.reload(await loadTestConfig(dir.path, config({ 'memory/out': { name: 'out', flushIntervalMs: 5 } }, { processors: { tag: { dropType: 'budget.exhausted' } }, pipelineProcessors: ['tag'] })));
    expect(report.plan?.pipelines.reprocess).toEqual(['events']);
    await driven('in').next!.consume([...makeEvents(3, 5), ...makeEvents(2, 8, 'budget.exhausted')]);
    await eventually(() => idsOf('out').length === 8, 'every kept event');
    expect(destination('out').received.flatMap((b) => b.events.map((e) => e.tag))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('refuses a config whose new component cannot be created, and a change of storage, keeping the old one running', async () => {
    const collector = await start(config({ 'memory/out': { name: 'out', flushIntervalMs: 5 } }, { processors: { tag: {} }, pipelineProcessors: ['tag'] }));
    const storageMoved = config({ 'memory/out': { name: 'out', flushIntervalMs: 5 } }, { processors: { tag: {} }, pipelineProcessors: ['tag'] });
    const refused = await collector.reload(await loadTestConfig(dir.path, { ...storageMoved, storage: { directory: `${dir.path}/elsewhere` } }));
    expect(refused.applied).toBe(false);
    expect(refused.refused[0]).toMatch(/^storage: cannot change while Ferry runs/);
    destination('broken').failCreate = new ConfigError('bucket "x" does not exist');
    const broken = await collector.reload(await loadTestConfig(dir.path, config({ 'memory/out': { name: 'out', flushIntervalMs: 5 }, 'memory/broken': { name: 'broken' } }, { processors: { tag: {} }, pipelineProcessors: ['tag'] })));
    expect(broken).toMatchObject({ applied: false, refused: ['exporter "memory/broken" failed to be created: bucket "x" does not exist'] });
    await driven('in').next!.consume(makeEvents(4));
    await eventually(() => idsOf('out').length === 4, 'the old config still running');
    expect(destination('out').lifecycle).toEqual(['start memory/out']);
    // A refused reload leaves nothing half done or "in progress": the next one applies (Fluent Bit #10547).
    delete destination('broken').failCreate;
    const next = await collector.reload(await loadTestConfig(dir.path, config({ 'memory/out': { name: 'out', flushIntervalMs: 5 }, 'memory/broken': { name: 'broken', flushIntervalMs: 5 } }, { processors: { tag: {} }, pipelineProcessors: ['tag'] })));
    expect(next).toMatchObject({ applied: true, refused: [] });
    await driven('in').next!.consume(makeEvents(3, 4));
    await eventually(() => idsOf('broken').length === 3 && idsOf('out').length === 7, 'both exporters after the reload');
  });
});
