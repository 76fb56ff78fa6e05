import { describe, expect, it } from 'vitest';
import { RetryableError, type Batch, type Exporter, type Logger } from '@ferry/sdk';
import { MemoryLog } from '../log/memory-log.js';
import { Telemetry } from '../telemetry/metrics.js';
import { eventually, makeEvents } from '../testing/fixtures.js';
import { LoggedDeadLetters } from './dead-letters.js';
import { ExporterGate } from './gate.js';
import { ExporterRunner } from './runner.js';
import { PushBack } from '../pipeline/push-back.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

/** A destination that records each request as it starts and ends, and fails the ones `fail` picks. */
function destination(fail: (batch: Batch, attempt: number) => Error | undefined) {
  const log: Array<{ first: string; attempt: number; ok: boolean }> = [];
  /** Every request's start (with how many were in flight then) and end, in order. */
  const timeline: Array<{ start: true; concurrent: number } | { start: false; ok: boolean }> = [];
  let concurrent = 0;
  let peak = 0;
  const exporter: Exporter = {
    async export(batch, { attempt }) {
      concurrent++;
      peak = Math.max(peak, concurrent);
      timeline.push({ start: true, concurrent });
      await new Promise((resolve) => setTimeout(resolve, 5));
      concurrent--;
      const error = fail(batch, attempt);
      log.push({ first: batch.events[0]!.id, attempt, ok: error === undefined });
      timeline.push({ start: false, ok: error === undefined });
      if (error !== undefined) throw error;
    },
  };
  return { exporter, log, timeline, peak: () => peak };
}

async function run(exporter: Exporter, events: number, retry = { initialIntervalMs: 20, maxIntervalMs: 40, multiplier: 2, maxElapsedMs: 0 }, pushBack?: PushBack) {
  const log = new MemoryLog({ maxBytes: 64 * 1024 * 1024 });
  const cursor = log.cursor('x');
  const runner = new ExporterRunner({
    pipeline: 'events',
    exporterId: 'x',
    exporter,
    gate: new ExporterGate(4),
    cursor,
    endSeq: () => log.endSeq,
    accepted: () => log.endSeq,
    nextAppend: () => log.nextAppend(),
    delivery: { batch: { batchSize: 10, maxBatchBytes: 1e9, flushIntervalMs: 1 }, timeoutMs: 10_000, maxInFlight: 4, retry, queue: { whenFull: 'block' } },
    recorder: new Telemetry().component('exporter', 'x', 'events'),
    logger: quiet,
    deadLetters: new LoggedDeadLetters(quiet),
    ...(pushBack === undefined ? {} : { pushBack }),
  });
  runner.start();
  const all = makeEvents(events);
  await log.append(all, all.map((e) => JSON.stringify(e)));
  await eventually(() => runner.queued === 0, 'every event delivered');
  await runner.stop();
  return cursor;
}

describe('the exporter runner', () => {
  it('keeps sending other batches while one retries, commits in order, and keeps full concurrency on isolated 500s', async () => {
    const d = destination((batch, attempt) => (batch.events[0]!.id === 'evt_00000000' && attempt <= 4 ? new RetryableError('500 Internal Server Error') : undefined));
    const cursor = await run(d.exporter, 200);
    const firstOk = d.log.findIndex((r) => r.first === 'evt_00000000' && r.ok);
    // While the first batch failed four times, later batches went out and were delivered.
    expect(d.log.slice(0, firstOk).filter((r) => r.ok && r.first !== 'evt_00000000').length).toBeGreaterThan(4);
    expect(d.peak()).toBe(4);
    expect(cursor.committed).toBe(200);
    expect(cursor.ledger).toMatchObject({ delivered: 200, deadLettered: 0 });
  });

  it('sends maxInFlight requests at once while a batch waits for its retry: a waiting batch takes no request\'s place', async () => {
    const d = destination((batch, attempt) => (batch.events[0]!.id === 'evt_00000000' && attempt === 1 ? new RetryableError('500 Internal Server Error') : undefined));
    const cursor = await run(d.exporter, 300, { initialIntervalMs: 150, maxIntervalMs: 150, multiplier: 1, maxElapsedMs: 0 });
    const failedAt = d.timeline.findIndex((e) => !e.start && !e.ok);
    // Between the failure and the first event's delivery, four requests were under way at once at some point.
    const firstDelivered = d.log.findIndex((r) => r.first === 'evt_00000000' && r.ok);
    const okBefore = d.log.slice(0, firstDelivered).filter((r) => r.ok).length;
    expect(okBefore).toBeGreaterThan(8);
    const startsWhileWaiting = d.timeline.slice(failedAt).filter((e): e is { start: true; concurrent: number } => e.start).slice(0, okBefore);
    expect(Math.max(...startsWhileWaiting.map((e) => e.concurrent))).toBe(4);
    expect(cursor.committed).toBe(300);
    expect(cursor.ledger).toMatchObject({ delivered: 300, deadLettered: 0 });
  });

  it('tries the oldest batch again at once after an isolated 500 while receivers wait for room, instead of after its backoff', async () => {
    // Receivers wait for room for good: only commits would give it back, and the failed batch holds every commit up.
    const pushBack = new PushBack();
    void pushBack.during(new Promise<void>(() => undefined));
    const d = destination((batch, attempt) => (batch.events[0]!.id === 'evt_00000000' && attempt === 1 ? new RetryableError('500 Internal Server Error') : undefined));
    // A backoff of a minute: the run ends within `eventually`'s deadline only if the retry is not made to wait it.
    const cursor = await run(d.exporter, 100, { initialIntervalMs: 60_000, maxIntervalMs: 60_000, multiplier: 1, maxElapsedMs: 0 }, pushBack);
    expect(d.log.filter((r) => r.first === 'evt_00000000').map((r) => r.ok)).toEqual([false, true]);
    expect(cursor.committed).toBe(100);
    expect(cursor.ledger).toMatchObject({ delivered: 100, deadLettered: 0 });
  });

  it('drops to one request at a time while the destination answers 429, then grows back', async () => {
    let throttled = 6;
    const d = destination(() => (throttled-- > 0 ? new RetryableError('429 Too Many Requests', { pushBack: true }) : undefined));
    const cursor = await run(d.exporter, 300);
    expect(cursor.committed).toBe(300);
    // Four 429s halved the limit to one: every request started after them, until one succeeded, went alone.
    const fourth = d.timeline.findIndex((e, i) => !e.start && !e.ok && d.timeline.slice(0, i + 1).filter((x) => !x.start && !x.ok).length === 4);
    const firstOk = d.timeline.findIndex((e) => !e.start && e.ok);
    const startsBetween = d.timeline.slice(fourth, firstOk).filter((e): e is { start: true; concurrent: number } => e.start);
    expect(startsBetween.length).toBeGreaterThan(0);
    expect(startsBetween.every((e) => e.concurrent === 1)).toBe(true);
    // And once it succeeded, concurrency grew back to four.
    expect(d.timeline.slice(firstOk).some((e) => e.start && e.concurrent === 4)).toBe(true);
  });
});
