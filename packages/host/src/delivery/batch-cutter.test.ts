import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryLog } from '../log/memory-log.js';
import { makeEvents } from '../testing/fixtures.js';
import { PushBack } from '../pipeline/push-back.js';
import { BatchCutter } from './batch-cutter.js';
import type { ResolvedBatchPolicy } from './policy.js';

let log: MemoryLog;
let appended = 0;
const stop = new AbortController();

function cutter(batch: ResolvedBatchPolicy): BatchCutter {
  return new BatchCutter({ cursor: log.cursor('x'), batch, nextAppend: () => log.nextAppend(), onGap: () => undefined });
}

async function append(count: number): Promise<void> {
  const events = makeEvents(count, appended);
  appended += count;
  await log.append(events, events.map((e) => JSON.stringify(e)));
}

/** Whether the promise has settled by now, without waiting for it. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await vi.advanceTimersByTimeAsync(0);
  return done;
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
  log = new MemoryLog({ maxBytes: 1024 * 1024 });
  appended = 0;
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the batch cutter, under a fake clock', () => {
  it('cuts when the oldest waiting event is flushIntervalMs old, not before', async () => {
    const c = cutter({ batchSize: 10, maxBatchBytes: 1e9, flushIntervalMs: 1000 });
    await append(3);
    const next = c.next(stop.signal);
    await vi.advanceTimersByTimeAsync(999);
    expect(await settled(next)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect((await next)?.lines).toHaveLength(3);
  });

  it('cuts at once when batchSize events wait, and never more than batchSize', async () => {
    const c = cutter({ batchSize: 10, maxBatchBytes: 1e9, flushIntervalMs: 60_000 });
    const next = c.next(stop.signal);
    await append(4);
    expect(await settled(next)).toBe(false);
    await append(8);
    expect((await next)?.lines).toHaveLength(10);
  });

  it('cuts at once when maxBatchBytes bytes wait', async () => {
    const size = JSON.stringify(makeEvents(1)[0]).length + 1;
    const c = cutter({ batchSize: 1000, maxBatchBytes: size * 5, flushIntervalMs: 60_000 });
    await append(5);
    expect((await c.next(stop.signal))?.lines).toHaveLength(5);
  });

  it('cuts everything waiting at once while draining', async () => {
    const c = cutter({ batchSize: 100, maxBatchBytes: 1e9, flushIntervalMs: 60_000 });
    await append(7);
    const next = c.next(stop.signal);
    expect(await settled(next)).toBe(false);
    c.drain();
    expect((await next)?.lines).toHaveLength(7);
  });

  it('with no timer (flushIntervalMs 0), waits for size alone', async () => {
    const c = cutter({ batchSize: 5, maxBatchBytes: 1e9, flushIntervalMs: 0 });
    await append(4);
    const next = c.next(stop.signal);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(await settled(next)).toBe(false);
    await append(1);
    expect((await next)?.lines).toHaveLength(5);
  });

  it('cuts what waits at once while a receiver waits for room, and once after a refusal, then waits for the timer again', async () => {
    const pushBack = new PushBack();
    const c = new BatchCutter({ cursor: log.cursor('x'), batch: { batchSize: 100, maxBatchBytes: 1e9, flushIntervalMs: 60_000 }, nextAppend: () => log.nextAppend(), onGap: () => undefined, pushBack });
    await append(3);
    const first = c.next(stop.signal);
    expect(await settled(first)).toBe(false);
    let roomFreed!: () => void;
    const waiting = pushBack.during(new Promise<void>((resolve) => (roomFreed = resolve)));
    expect((await first)?.lines).toHaveLength(3);
    // Still waiting: what comes is due at once.
    await append(2);
    expect((await c.next(stop.signal))?.lines).toHaveLength(2);
    roomFreed();
    await waiting;
    // Nobody waits any more: a small batch waits for its timer again…
    await append(4);
    const third = c.next(stop.signal);
    expect(await settled(third)).toBe(false);
    // …unless a receiver is refused for want of room, which makes it due once.
    pushBack.refused();
    expect((await third)?.lines).toHaveLength(4);
    await append(1);
    const fourth = c.next(stop.signal);
    expect(await settled(fourth)).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect((await fourth)?.lines).toHaveLength(1);
  });
});
