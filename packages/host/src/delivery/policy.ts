import type { BatchPolicy } from '@ferry/sdk';
import { HOST_BATCH_DEFAULTS } from '../config/host-schema.js';
import type { RetryPolicy } from './backoff.js';

export interface ResolvedBatchPolicy {
  readonly batchSize: number;
  readonly maxBatchBytes: number;
  /** 0: no timer (size-only, flushed at shutdown). */
  readonly flushIntervalMs: number;
}

export interface QueuePolicy {
  readonly type?: 'disk' | 'memory';
  readonly maxEvents?: number;
  readonly maxBytes?: number;
  readonly whenFull: 'block' | 'deadLetter';
}

export interface DeliveryOptions {
  readonly batch: ResolvedBatchPolicy;
  readonly timeoutMs: number;
  readonly maxInFlight: number;
  readonly retry: RetryPolicy;
  readonly queue: QueuePolicy;
}

function smallest(values: ReadonlyArray<number | undefined>): number | undefined {
  const set = values.filter((v): v is number => v !== undefined);
  return set.length === 0 ? undefined : Math.min(...set);
}

/**
 * How the log is cut for one exporter in one pipeline: the exporter's own settings and
 * every `batch` processor of the pipeline all apply, so the first trigger to fire wins;
 * the host's defaults fill what none of them sets. A timer of 0 means "no timer", so it
 * only wins when nothing else sets one.
 */
export function resolveBatchPolicy(exporter: BatchPolicy, pipeline: readonly BatchPolicy[]): ResolvedBatchPolicy {
  const all = [exporter, ...pipeline];
  const timers = all.map((p) => p.flushIntervalMs).filter((v): v is number => v !== undefined);
  const positiveTimers = timers.filter((t) => t > 0);
  return {
    batchSize: smallest(all.map((p) => p.batchSize)) ?? HOST_BATCH_DEFAULTS.batchSize,
    maxBatchBytes: smallest(all.map((p) => p.maxBatchBytes)) ?? HOST_BATCH_DEFAULTS.maxBatchBytes,
    flushIntervalMs: positiveTimers.length > 0 ? Math.min(...positiveTimers) : timers.length > 0 ? 0 : HOST_BATCH_DEFAULTS.flushIntervalMs,
  };
}
