import { afterEach, describe, expect, it } from 'vitest';
import { BackpressureError, type Exporter, type FerryEvent } from '@ferry/sdk';
import { DiskLog } from '../log/disk/disk-log.js';
import { MemoryLog } from '../log/memory-log.js';
import type { EventLog } from '../log/types.js';
import { LoggedDeadLetters } from '../delivery/dead-letters.js';
import { ExporterGate } from '../delivery/gate.js';
import { ExporterRunner } from '../delivery/runner.js';
import { Telemetry } from '../telemetry/metrics.js';
import { eventually, makeEvents, tempDirectory } from '../testing/fixtures.js';
import { silentLogger } from '../telemetry/logger.js';
import { PipelineIngest } from './ingest.js';

const quiet = silentLogger();

/** An hour: a batch held back for it would stall the test far past its timeout. */
const HOUR = 3_600_000;
const BOUND = 64 * 1024;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/**
 * A pipeline whose log holds BOUND bytes, and one exporter that wants batches of 1,000 events
 * and would hold a smaller one back for an hour: the lines it received, in order.
 */
function pipeline(log: EventLog, queue: { maxEvents?: number } = {}) {
  const ingest = new PipelineIngest('events', [], log, quiet);
  const received: string[] = [];
  let requests = 0;
  const exporter: Exporter = {
    async export(batch) {
      requests++;
      await new Promise((resolve) => setImmediate(resolve));
      received.push(...batch.lines);
    },
  };
  const runner = new ExporterRunner({
    pipeline: 'events',
    exporterId: 'slow-batcher',
    exporter,
    gate: new ExporterGate(2),
    cursor: log.cursor('slow-batcher'),
    endSeq: () => log.endSeq,
    accepted: () => ingest.appended,
    nextAppend: () => log.nextAppend(),
    pushBack: ingest.pushBack,
    delivery: { batch: { batchSize: 1000, maxBatchBytes: 1e9, flushIntervalMs: HOUR }, timeoutMs: 10_000, maxInFlight: 2, retry: { initialIntervalMs: 10, maxIntervalMs: 10, multiplier: 1, maxElapsedMs: 0 }, queue: { whenFull: 'block', ...queue } },
    recorder: new Telemetry().component('exporter', 'slow-batcher', 'events'),
    logger: quiet,
    deadLetters: new LoggedDeadLetters(quiet),
  });
  ingest.exporters = [runner];
  runner.start();
  cleanups.push(() => runner.stop());
  return { ingest, runner, received, requests: () => requests };
}

/** Hand-offs as a receiver makes them: 100 events each, then one larger than the whole log (about 1.7 times BOUND). */
function handOffs(): FerryEvent[][] {
  const chunks: FerryEvent[][] = [];
  for (let i = 0; i < 60; i++) chunks.push(makeEvents(100, i * 100));
  chunks.push(makeEvents(1000, 6000));
  return chunks;
}

const expectedLines = (chunks: readonly FerryEvent[][]) => chunks.flat().map((e) => JSON.stringify(e));

async function memoryLog(): Promise<EventLog> {
  return new MemoryLog({ maxBytes: BOUND });
}

async function diskLog(): Promise<EventLog> {
  const dir = await tempDirectory();
  const log = await DiskLog.open({ directory: dir.path, fsync: 'batch', fsyncIntervalMs: 1000, maxBytes: BOUND, cacheBytes: BOUND, segmentBytes: 16 * 1024, cursorNames: ['slow-batcher'], logger: quiet });
  cleanups.push(async () => {
    await log.close();
    await dir.cleanup();
  });
  return log;
}

describe.each([
  ['in memory', memoryLog],
  ['with persistence', diskLog],
])('a receiver waiting for room in the log (%s)', (_name, openLog) => {
  it('never waits on an exporter\'s flush interval: what waits is sent at once', async () => {
    const { ingest, received, requests } = pipeline(await openLog());
    const chunks = handOffs();
    // About 11 times what the log holds, handed in as a receiver does: each waits for the one before.
    for (const chunk of chunks) await ingest.consume(chunk);
    await eventually(() => received.length >= 7000, 'every event at the destination');
    expect(received).toEqual(expectedLines(chunks));
    // Pushed back, batches went out smaller than batchSize rather than waiting for an hour.
    expect(requests()).toBeGreaterThan(7);
  });

  it('sends what waits at once when a receiver that does not wait is refused, so its retry finds room', async () => {
    const { ingest, runner, received } = pipeline(await openLog());
    const chunks = handOffs().slice(0, 60);
    let refusals = 0;
    for (const chunk of chunks) {
      for (;;) {
        try {
          await ingest.consume(chunk, { wait: false });
          break;
        } catch (error) {
          if (!(error instanceof BackpressureError)) throw error;
          refusals++;
          // The sender comes back later, as a webhook sender retries a 503.
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    }
    // Every hand-off was taken in the end; what came after the last refusal is sent at shutdown.
    await runner.drain(Date.now() + 10_000);
    expect(refusals).toBeGreaterThan(0);
    expect(received).toEqual(expectedLines(chunks));
  });

  it('never waits on the flush interval of an exporter whose queue limit (queue.maxEvents, whenFull: block) is below its batchSize', async () => {
    const { ingest, runner, received } = pipeline(await openLog(), { maxEvents: 150 });
    const chunks = handOffs().slice(0, 40);
    for (const chunk of chunks) await ingest.consume(chunk);
    await runner.drain(Date.now() + 10_000);
    expect(received).toEqual(expectedLines(chunks));
  });
});
