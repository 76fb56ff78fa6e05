import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, createBatch, PermanentError, RetryableError, type Batch, type Exporter, type ExportResult, type Logger } from '@ferry/sdk';
import { Telemetry } from '../telemetry/metrics.js';
import { ExporterGate } from './gate.js';
import { deliverWithRetry, type RetryDeps, type Tally } from './retry.js';
import type { RetryPolicy } from './backoff.js';
import { ConfigHold } from './config-hold.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const lines = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ id: `evt_${i}`, type: 't', createdAt: '2026-12-02T00:00:00Z', data: {} }));

/** An exporter answering from a script; each call records when it came, on the fake clock. */
function scripted(answers: Array<(batch: Batch, signal: AbortSignal) => Promise<ExportResult | void>>): Exporter & { calls: Array<{ at: number; count: number }> } {
  const calls: Array<{ at: number; count: number }> = [];
  return {
    calls,
    async export(batch, { signal }) {
      calls.push({ at: Date.now(), count: batch.count });
      const answer = answers.shift();
      return answer === undefined ? undefined : answer(batch, signal);
    },
  };
}

const fail = () => async () => {
  throw new RetryableError('busy');
};

let dead: Array<{ at: number; count: number; reason: string }>;
let stop: AbortController;
const policy: RetryPolicy = { initialIntervalMs: 100, maxIntervalMs: 1000, multiplier: 2, maxElapsedMs: 0 };

function deps(exporter: Exporter, overrides: Partial<RetryDeps> = {}): RetryDeps {
  return {
    exporter,
    gate: new ExporterGate(4),
    retry: policy,
    timeoutMs: 10_000,
    stop: stop.signal,
    recorder: new Telemetry().component('exporter', 'x', 'events'),
    logger: quiet,
    random: () => 0, // the jitter's lower bound: half the exponential delay
    deadLetter: async (batch, reason, tally) => {
      dead.push({ at: Date.now(), count: batch.count, reason });
      tally.deadLettered += batch.count;
    },
    ...overrides,
  };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
  dead = [];
  stop = new AbortController();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('deliverWithRetry, under a fake clock', () => {
  it('retries a retryable failure after an exponential backoff and counts the delivery once', async () => {
    const exporter = scripted([fail(), fail()]);
    const tally: Tally = { delivered: 0, deadLettered: 0 };
    const done = deliverWithRetry(createBatch({ lines: lines(3) }), tally, deps(exporter));
    await vi.runAllTimersAsync();
    expect(await done).toBe(true);
    expect(exporter.calls.map((c) => c.at)).toEqual([0, 50, 150]);
    expect(tally).toEqual({ delivered: 3, deadLettered: 0 });
  });

  it('tries an isolated failure again at once while its batch holds the pipeline up, for the first two retries only', async () => {
    const exporter = scripted([fail(), fail(), fail()]);
    let asked = 0;
    const holdsUpPipeline = async () => {
      asked++;
    };
    const done = deliverWithRetry(createBatch({ lines: lines(2) }), { delivered: 0, deadLettered: 0 }, deps(exporter, { holdsUpPipeline }));
    await vi.runAllTimersAsync();
    expect(await done).toBe(true);
    // Two retries at once; the third waits its backoff (400 ms, jittered down to 200).
    expect(exporter.calls.map((c) => c.at)).toEqual([0, 0, 0, 200]);
    expect(asked).toBe(2);
  });

  it('does not hurry a retry the destination asked to wait for, nor one against a destination that is pushing back', async () => {
    let asked = 0;
    const holdsUpPipeline = async () => {
      asked++;
    };
    const slowDown = scripted([
      async () => {
        throw new RetryableError('slow down', { retryAfterMs: 3000 });
      },
    ]);
    const first = deliverWithRetry(createBatch({ lines: lines(1) }), { delivered: 0, deadLettered: 0 }, deps(slowDown, { holdsUpPipeline }));
    await vi.runAllTimersAsync();
    await first;
    expect(slowDown.calls.map((c) => c.at)).toEqual([0, 3000]);
    // A gate that saw push-back (a 429 on another batch) has lowered its limit: the destination is not steady.
    const gate = new ExporterGate(4);
    gate.failed(true, undefined);
    const failing = scripted([fail()]);
    const second = deliverWithRetry(createBatch({ lines: lines(1) }), { delivered: 0, deadLettered: 0 }, deps(failing, { holdsUpPipeline, gate }));
    await vi.runAllTimersAsync();
    await second;
    expect(failing.calls.map((c) => c.at)).toEqual([3000, 3050]);
    expect(asked).toBe(0);
  });

  it('waits at least what Retry-After asked for', async () => {
    const exporter = scripted([
      async () => {
        throw new RetryableError('slow down', { retryAfterMs: 3000 });
      },
    ]);
    const done = deliverWithRetry(createBatch({ lines: lines(1) }), { delivered: 0, deadLettered: 0 }, deps(exporter));
    await vi.runAllTimersAsync();
    await done;
    expect(exporter.calls.map((c) => c.at)).toEqual([0, 3000]);
  });

  it('gives up before sleeping past retry.maxElapsedMs, dead-lettering with the last error', async () => {
    const exporter = scripted([fail(), fail(), fail(), fail()]);
    const tally: Tally = { delivered: 0, deadLettered: 0 };
    const done = deliverWithRetry(createBatch({ lines: lines(2) }), tally, deps(exporter, { retry: { ...policy, maxElapsedMs: 250 } }));
    await vi.runAllTimersAsync();
    expect(await done).toBe(true);
    // Attempts at 0, 50 and 150; the next wait (200 ms) would end at 350, past 250: dead-lettered at 150, no sleep.
    expect(exporter.calls.map((c) => c.at)).toEqual([0, 50, 150]);
    expect(dead).toEqual([{ at: 150, count: 2, reason: 'still failing after 0 s, and the next retry would pass retry.maxElapsedMs (250 ms): busy' }]);
    expect(tally).toEqual({ delivered: 0, deadLettered: 2 });
  });

  it('dead-letters the events refused for good, retries only those rejected as retryable, and counts each event once', async () => {
    const exporter = scripted([
      async () => ({ rejected: [{ index: 1, error: new PermanentError('invalid row') }, { index: 3, error: new RetryableError('stopped') }] }),
    ]);
    const tally: Tally = { delivered: 0, deadLettered: 0 };
    const done = deliverWithRetry(createBatch({ lines: lines(5) }), tally, deps(exporter));
    await vi.runAllTimersAsync();
    expect(await done).toBe(true);
    expect(exporter.calls.map((c) => c.count)).toEqual([5, 1]);
    expect(dead.map((d) => [d.count, d.reason])).toEqual([[1, 'invalid row']]);
    expect(tally).toEqual({ delivered: 4, deadLettered: 1 });
  });

  it('dead-letters a whole batch on a permanent error, at once', async () => {
    const exporter = scripted([
      async () => {
        throw new PermanentError('forbidden');
      },
    ]);
    const tally: Tally = { delivered: 0, deadLettered: 0 };
    expect(await deliverWithRetry(createBatch({ lines: lines(4) }), tally, deps(exporter))).toBe(true);
    expect(tally).toEqual({ delivered: 0, deadLettered: 4 });
  });

  it('times out an attempt that hangs, aborting its signal, and retries it', async () => {
    let aborted: unknown;
    const exporter = scripted([
      (_batch, signal) =>
        new Promise<never>(() => {
          signal.addEventListener('abort', () => (aborted = signal.reason));
        }),
    ]);
    const done = deliverWithRetry(createBatch({ lines: lines(1) }), { delivered: 0, deadLettered: 0 }, deps(exporter, { timeoutMs: 500 }));
    await vi.runAllTimersAsync();
    expect(await done).toBe(true);
    expect(exporter.calls.map((c) => c.at)).toEqual([0, 550]);
    expect(String(aborted)).toContain('export attempt timed out after 500 ms');
  });

  it('abandons the batch when stopped while waiting to retry: nothing counted, the batch stays queued', async () => {
    const exporter = scripted([fail()]);
    const tally: Tally = { delivered: 0, deadLettered: 0 };
    const done = deliverWithRetry(createBatch({ lines: lines(2) }), tally, deps(exporter));
    await vi.advanceTimersByTimeAsync(10);
    stop.abort();
    expect(await done).toBe(false);
    expect(tally).toEqual({ delivered: 0, deadLettered: 0 });
    expect(exporter.calls).toHaveLength(1);
  });

  it('holds a batch refused for the configuration: never dead-lettered, tried again at the longest interval past maxElapsedMs, reported once, delivered once it is taken', async () => {
    const revoked = async () => {
      throw new ConfigError('the key was revoked: check exporters.x.apiKey');
    };
    const exporter = scripted([revoked, revoked, revoked]);
    const reported: string[] = [];
    const hold = new ConfigHold((error) => reported.push(error.message));
    const gate = new ExporterGate(4);
    const tally: Tally = { delivered: 0, deadLettered: 0 };
    const done = deliverWithRetry(createBatch({ lines: lines(3) }), tally, deps(exporter, { hold, gate, retry: { ...policy, maxElapsedMs: 1500 } }));
    await vi.advanceTimersByTimeAsync(2500);
    expect([hold.holding, gate.limit]).toEqual([true, 1]); // one request at a time while refused
    await vi.runAllTimersAsync();
    expect(await done).toBe(true);
    expect(exporter.calls.map((c) => c.at)).toEqual([0, 1000, 2000, 3000]);
    expect(dead).toEqual([]);
    expect(tally).toEqual({ delivered: 3, deadLettered: 0 });
    expect(reported).toEqual(['the key was revoked: check exporters.x.apiKey']);
    expect(hold.holding).toBe(false);
  });

  it('holds the events rejected for the configuration and dead-letters only those refused for their content', async () => {
    const exporter = scripted([async () => ({ rejected: [{ index: 0, error: new PermanentError('malformed') }, { index: 2, error: new ConfigError('table gone') }] })]);
    const tally: Tally = { delivered: 0, deadLettered: 0 };
    const done = deliverWithRetry(createBatch({ lines: lines(3) }), tally, deps(exporter, { hold: new ConfigHold(() => undefined) }));
    await vi.runAllTimersAsync();
    expect(await done).toBe(true);
    expect(exporter.calls).toEqual([{ at: 0, count: 3 }, { at: 1000, count: 1 }]);
    expect(dead).toEqual([{ at: 0, count: 1, reason: 'malformed' }]);
    expect(tally).toEqual({ delivered: 2, deadLettered: 1 });
  });

  it('leaves a batch waiting to be tried again when the runner retires: nothing counted, for the successor to cut again', async () => {
    const exporter = scripted([fail()]);
    const retiring = new AbortController();
    const tally: Tally = { delivered: 0, deadLettered: 0 };
    const done = deliverWithRetry(createBatch({ lines: lines(2) }), tally, deps(exporter, { retiring: retiring.signal }));
    await vi.advanceTimersByTimeAsync(10);
    retiring.abort();
    expect(await done).toBe(false);
    expect([tally, exporter.calls.length]).toEqual([{ delivered: 0, deadLettered: 0 }, 1]);
  });

  it('tries a batch again whole when the exporter rejects an event it does not hold, counting nothing on that answer', async () => {
    const exporter = scripted([async () => ({ rejected: [{ index: 7, error: new PermanentError('?') }] }), async () => ({ rejected: [{ index: 0, error: new PermanentError('a') }, { index: 0, error: new PermanentError('b') }] })]);
    const tally: Tally = { delivered: 0, deadLettered: 0 };
    const done = deliverWithRetry(createBatch({ lines: lines(2) }), tally, deps(exporter));
    await vi.runAllTimersAsync();
    expect(await done).toBe(true);
    expect(exporter.calls.map((c) => c.count)).toEqual([2, 2, 2]);
    expect([tally, dead]).toEqual([{ delivered: 2, deadLettered: 0 }, []]);
  });
});
