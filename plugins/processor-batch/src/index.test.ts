import { describe, expect, it } from 'vitest';
import { conformanceCases, createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import definition from './index.js';
import { BATCH_DEFAULTS } from './config.js';

function policyFor(config: unknown) {
  const processor = definition.create(createTestContext(resolveConfig(definition.configSchema, config)));
  return { processor, policy: processor.batching };
}

describe('processor batch: conformance', () => {
  for (const c of conformanceCases(definition, {
    config: { batchSize: 500, flushIntervalMs: 200 },
    invalidConfigs: [
      { config: { batchSize: 0 }, because: 'a batch of 0 events is meaningless' },
      { config: { batchSize: -5 }, because: 'batchSize is negative' },
      { config: { batchSize: 2.5 }, because: 'batchSize is not a whole number' },
      { config: { maxBatchBytes: 0 }, because: 'maxBatchBytes is 0' },
      { config: { flushIntervalMs: -1 }, because: 'flushIntervalMs is negative' },
      { config: { batchSize: 10, timeout: 5 }, because: 'timeout is not an option' },
    ],
  })) {
    it(c.name, c.run);
  }
});

describe('processor batch: the policy it hands the host', () => {
  it('states the defaults when configured with nothing', () => {
    expect(policyFor({}).policy).toEqual({ batchSize: 8192, maxBatchBytes: 5 * 1024 * 1024, flushIntervalMs: 1000 });
    expect(BATCH_DEFAULTS).toEqual({ batchSize: 8192, maxBatchBytes: 5_242_880, flushIntervalMs: 1000 });
  });

  it('reflects every configured trigger', () => {
    expect(policyFor({ batchSize: 250, maxBatchBytes: 65_536, flushIntervalMs: 30_000 }).policy).toEqual({
      batchSize: 250,
      maxBatchBytes: 65_536,
      flushIntervalMs: 30_000,
    });
  });

  it('keeps 0 as "no timer" (size-only batching)', () => {
    expect(policyFor({ flushIntervalMs: 0 }).policy).toEqual({ batchSize: 8192, maxBatchBytes: 5_242_880, flushIntervalMs: 0 });
  });

  it('holds no events: it has no process step and the policy cannot be changed afterwards', () => {
    const { processor, policy } = policyFor({});
    expect(processor.process).toBeUndefined();
    expect(Object.isFrozen(policy)).toBe(true);
  });

  it('refuses a batchSize of 0 or below, naming the option', () => {
    expect(() => resolveConfig(definition.configSchema, { batchSize: 0 })).toThrow(/batchSize/);
    expect(() => resolveConfig(definition.configSchema, { batchSize: -1 })).toThrow(/batchSize/);
  });
});
