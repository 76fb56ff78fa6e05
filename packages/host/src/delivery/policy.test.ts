import { describe, expect, it } from 'vitest';
import { resolveBatchPolicy } from './policy.js';
import { backoffDelay } from './backoff.js';

describe('how the log is cut into batches for an exporter', () => {
  const seedS3 = { batchSize: 1000 };
  it("takes the exporter's own settings over the pipeline's batch processor", () => {
    expect(resolveBatchPolicy({ batchSize: 1000, flushIntervalMs: 60_000 }, [{ batchSize: 8192, flushIntervalMs: 1000 }], seedS3)).toEqual({ batchSize: 1000, maxBatchBytes: 5 * 1024 * 1024, flushIntervalMs: 60_000 });
  });
  it("takes the batch processor's settings over the exporter's defaults, the smallest of several", () => {
    expect(resolveBatchPolicy({}, [{ batchSize: 200, flushIntervalMs: 2000 }, { batchSize: 300, maxBatchBytes: 1024 }], seedS3)).toEqual({ batchSize: 200, maxBatchBytes: 1024, flushIntervalMs: 2000 });
  });
  it("falls back to the exporter's defaults, then the host's", () => {
    expect(resolveBatchPolicy({}, [], seedS3)).toEqual({ batchSize: 1000, maxBatchBytes: 5 * 1024 * 1024, flushIntervalMs: 5000 });
    expect(resolveBatchPolicy({}, [])).toEqual({ batchSize: 1000, maxBatchBytes: 5 * 1024 * 1024, flushIntervalMs: 5000 });
  });
  it("never exceeds the destination's limits, whoever asked", () => {
    expect(resolveBatchPolicy({}, [{ batchSize: 8192, maxBatchBytes: 50_000_000 }], { batchSize: 100 }, { maxBatchSize: 1000, maxBatchBytes: 4_000_000 })).toEqual({ batchSize: 1000, maxBatchBytes: 4_000_000, flushIntervalMs: 5000 });
  });
  it('keeps a timer of 0 (size only) when it is what was set', () => {
    expect(resolveBatchPolicy({ flushIntervalMs: 0 }, [{ flushIntervalMs: 1000 }]).flushIntervalMs).toBe(0);
  });
});

describe('retry backoff', () => {
  const policy = { initialIntervalMs: 500, maxIntervalMs: 30_000, multiplier: 2, maxElapsedMs: 0 };
  it('grows exponentially with jitter between half and all of the step, capped', () => {
    expect(backoffDelay(policy, 1, undefined, () => 0)).toBe(250);
    expect(backoffDelay(policy, 1, undefined, () => 1)).toBe(500);
    expect(backoffDelay(policy, 4, undefined, () => 1)).toBe(4000);
    expect(backoffDelay(policy, 20, undefined, () => 1)).toBe(30_000);
  });
  it('never waits less than the destination asked', () => {
    expect(backoffDelay(policy, 1, 7000, () => 0)).toBe(7000);
  });
});
