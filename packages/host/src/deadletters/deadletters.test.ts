import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFile, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Collector } from '../collector/collector.js';
import { silentLogger } from '../telemetry/logger.js';
import { loadTestConfig } from '../testing/harness.js';
import { eventually, makeEvents, tempDirectory } from '../testing/fixtures.js';
import { destination, destinations } from '../testing/plugins/memory-exporter.js';
import { driven, receivers } from '../testing/plugins/list-receiver.js';
import { summarizeDeadLetters } from './summary.js';
import { replayDeadLetters } from './replay.js';
import { deadLetterFiles, readDeadLetters, unreadableFiles } from './store.js';

let dir: { path: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDirectory();
  destinations.clear();
  receivers.clear();
});
afterEach(() => dir.cleanup());

const fastRetry = { initialIntervalMs: 5, maxIntervalMs: 10, multiplier: 2, maxElapsedMs: 0 };

function config(store: string) {
  return {
    storage: { directory: store },
    receivers: { driven: { name: 'in' } },
    exporters: { 'memory/bq': { name: 'bq', batchSize: 2, flushIntervalMs: 5, maxInFlight: 1, retry: fastRetry } },
    service: { pipelines: { events: { receivers: ['driven'], exporters: ['memory/bq'] } }, shutdownTimeoutMs: 1000 },
  };
}

async function all<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('dead letters on disk', () => {
  it('keeps refused events with the reason, lists them, and replays them once the destination takes them', async () => {
    const store = join(dir.path, 'store');
    const loaded = await loadTestConfig(dir.path, config(store));
    destination('bq').script.push('permanent', 'ok', 'permanent');
    const collector = new Collector({ loaded, logger: silentLogger() });
    await collector.start();
    await driven('in').next!.consume(makeEvents(6));
    await eventually(() => collector.snapshot().exporters[0]!.queued === 0, 'every batch to be finished');
    await collector.shutdown();

    const [file] = await deadLetterFiles(store);
    const letters = await all(readDeadLetters(file!.path));
    expect(letters.map((l) => l.event.id)).toEqual(['evt_00000000', 'evt_00000001', 'evt_00000004', 'evt_00000005']);
    expect(letters[0]).toMatchObject({ exporter: 'memory/bq', pipeline: 'events', reason: 'destination refused the batch (scripted)', event: makeEvents(1)[0] });

    expect(await summarizeDeadLetters(store)).toEqual([
      expect.objectContaining({ exporter: 'memory/bq', events: 4, reasons: [{ reason: 'destination refused the batch (scripted)', events: 4 }], pipelines: ['events'], replaying: false }),
    ]);

    destination('bq').received.length = 0;
    const results = await replayDeadLetters({ loaded, logger: silentLogger(), timeoutMs: 5000 });
    expect(results).toEqual([{ exporter: 'memory/bq', replayed: 4, deadLetteredAgain: 0, unreadable: 0, putBack: 0 }]);
    expect(destination('bq').received.flatMap((b) => b.events.map((e) => e.id))).toEqual(['evt_00000000', 'evt_00000001', 'evt_00000004', 'evt_00000005']);
    expect(await summarizeDeadLetters(store)).toEqual([]);
    expect(await readdir(join(store, 'deadletters'))).toEqual([]);
  });

  it('keeps dead letters it cannot read aside, counted, instead of dropping them with the replayed file', async () => {
    const store = join(dir.path, 'store');
    const loaded = await loadTestConfig(dir.path, config(store));
    destination('bq').script.push('permanent');
    const collector = new Collector({ loaded, logger: silentLogger() });
    await collector.start();
    await driven('in').next!.consume(makeEvents(2));
    await eventually(() => collector.snapshot().exporters[0]!.queued === 0, 'the batch to be dead-lettered');
    await collector.shutdown();
    const [file] = await deadLetterFiles(store);
    // A power cut tore a line, and another was damaged.
    await appendFile(file!.path, '{"at":"2026-12-02T00:00:00Z","exporter":"memory/bq","pip\nnot json at all\n');
    expect(await summarizeDeadLetters(store)).toEqual([expect.objectContaining({ events: 2, unreadable: 2 })]);

    const results = await replayDeadLetters({ loaded, logger: silentLogger(), timeoutMs: 5000 });
    expect(results).toEqual([{ exporter: 'memory/bq', replayed: 2, deadLetteredAgain: 0, unreadable: 2, putBack: 0 }]);
    expect(await unreadableFiles(store)).toEqual([{ exporter: 'memory~bq', path: join(store, 'deadletters', 'memory~bq.unreadable'), lines: 2 }]);
    expect(await readFile(join(store, 'deadletters', 'memory~bq.unreadable'), 'utf8')).toBe('{"at":"2026-12-02T00:00:00Z","exporter":"memory/bq","pip\nnot json at all\n');
  });

  it('puts back what a still-failing destination did not take, and refuses to run beside a live collector', async () => {
    const store = join(dir.path, 'store');
    const loaded = await loadTestConfig(dir.path, config(store));
    destination('bq').script.push('permanent');
    const collector = new Collector({ loaded, logger: silentLogger() });
    await collector.start();
    await driven('in').next!.consume(makeEvents(2));
    await eventually(() => collector.snapshot().exporters[0]!.queued === 0, 'the batch to be dead-lettered');
    await expect(replayDeadLetters({ loaded, logger: silentLogger(), timeoutMs: 100 })).rejects.toThrow(/in use by another Ferry process.*stop the collector before replaying dead letters|cannot lock/);
    await collector.shutdown();

    destination('bq').script.push(...Array.from({ length: 10_000 }, () => 'retry' as const));
    const results = await replayDeadLetters({ loaded, logger: silentLogger(), timeoutMs: 100 });
    expect(results).toEqual([{ exporter: 'memory/bq', replayed: 0, deadLetteredAgain: 0, unreadable: 0, putBack: 2 }]);
    expect((await summarizeDeadLetters(store))[0]).toMatchObject({ events: 2, reasons: [{ reason: 'destination refused the batch (scripted)', events: 2 }] });
  });
});
