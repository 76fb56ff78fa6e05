import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackpressureError } from '@ferry/sdk';
import { Collector } from './collector.js';
import { silentLogger } from '../telemetry/logger.js';
import { loadTestConfig } from '../testing/harness.js';
import { eventually, makeEvents, tempDirectory } from '../testing/fixtures.js';
import { destination, destinations } from '../testing/plugins/memory-exporter.js';
import { driven, receivers } from '../testing/plugins/list-receiver.js';
import { summarizeDeadLetters } from '../deadletters/summary.js';

let dir: { path: string; cleanup: () => Promise<void> };
const running: Collector[] = [];
beforeEach(async () => {
  dir = await tempDirectory();
  destinations.clear();
  receivers.clear();
});
afterEach(async () => {
  for (const c of running.splice(0)) await c.shutdown({ timeoutMs: 0 });
  await dir.cleanup();
});

const down = () => Array.from({ length: 100_000 }, () => 'retry' as const);
const fastRetry = { initialIntervalMs: 5, maxIntervalMs: 10, multiplier: 2, maxElapsedMs: 0 };
const ids = (name: string) => destination(name).received.flatMap((b) => b.events.map((e) => e.id));

async function start(exporters: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<Collector> {
  const loaded = await loadTestConfig(dir.path, {
    receivers: { driven: { name: 'in' } },
    exporters,
    service: { pipelines: { events: { receivers: ['driven'], exporters: Object.keys(exporters) } }, shutdownTimeoutMs: 100 },
    ...extra,
  });
  const collector = new Collector({ loaded, logger: silentLogger() });
  running.push(collector);
  await collector.start();
  return collector;
}

describe('per-exporter queue limits', () => {
  it('whenFull: block pushes back on receivers until the exporter catches up', async () => {
    destination('slow').script.push(...down());
    await start({ memory: { name: 'slow', batchSize: 5, flushIntervalMs: 1, maxInFlight: 1, retry: fastRetry, queue: { maxEvents: 10 } } });
    const next = driven('in').next!;
    await next.consume(makeEvents(5));
    await eventually(() => destination('slow').script.length < 100_000, 'the first batch to be tried');
    await next.consume(makeEvents(11, 5));
    await expect(next.consume(makeEvents(1, 16), { wait: false })).rejects.toBeInstanceOf(BackpressureError);
    let accepted = false;
    const waiting = next.consume(makeEvents(1, 16)).then(() => {
      accepted = true;
    });
    // An unblocked consume settles within a few turns of the event loop; this one must not.
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(accepted).toBe(false);
    destination('slow').script.length = 0;
    await waiting;
    await eventually(() => ids('slow').length === 17, 'everything to arrive');
    expect(ids('slow')).toEqual(makeEvents(17).map((e) => e.id));
  });

  it('whenFull: deadLetter sheds the oldest waiting events so the other exporters keep flowing', async () => {
    destination('dead').script.push(...down());
    const collector = await start(
      {
        'memory/ok': { name: 'ok', flushIntervalMs: 1 },
        'memory/dead': { name: 'dead', batchSize: 5, flushIntervalMs: 1, maxInFlight: 1, retry: fastRetry, queue: { maxEvents: 20, whenFull: 'deadLetter' } },
      },
      { storage: { directory: `${dir.path}/store` } },
    );
    for (let i = 0; i < 10; i++) await driven('in').next!.consume(makeEvents(10, i * 10));
    await eventually(() => ids('ok').length === 100, 'the healthy exporter');
    await eventually(async () => ((await summarizeDeadLetters(`${dir.path}/store`))[0]?.events ?? 0) >= 75, 'the overflow to be dead-lettered');
    const [summary] = await summarizeDeadLetters(`${dir.path}/store`);
    expect(summary?.reasons[0]?.reason).toBe('queue full: more than 20 events waiting for exporter "memory/dead" (queue.whenFull: deadLetter)');
    const waiting = collector.snapshot().exporters.find((e) => e.exporter === 'memory/dead')!;
    expect(waiting.queued - (summary?.events ?? 0)).toBeLessThanOrEqual(25);
  });

  it('queue.type: memory starts from the newest events after a restart', async () => {
    const exporters = {
      'memory/keep': { name: 'keep', flushIntervalMs: 1, retry: fastRetry },
      'memory/view': { name: 'view', flushIntervalMs: 1, retry: fastRetry, queue: { type: 'memory' } },
    };
    const extra = { storage: { directory: `${dir.path}/store` } };
    destination('keep').script.push(...down());
    destination('view').script.push(...down());
    const first = await start(exporters, extra);
    await driven('in').next!.consume(makeEvents(3));
    await first.shutdown();
    destination('keep').script.length = 0;
    destination('view').script.length = 0;
    await start(exporters, extra);
    await driven('in').next!.consume(makeEvents(1, 3));
    await eventually(() => ids('keep').length === 4 && ids('view').length === 1, 'deliveries after restart');
    expect(ids('view')).toEqual(['evt_00000003']);
  });
});
