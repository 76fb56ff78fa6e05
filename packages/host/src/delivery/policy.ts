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
 * How the log is cut for one exporter in one pipeline. For each of size, bytes and timer:
 * the exporter's own setting wins; else the pipeline's `batch` processor (the smallest, if
 * several); else the exporter's defaults (the seed's); else the host's. The destination's
 * hard limits always cap the result. A timer of 0 means "no timer": size only.
 */
export function resolveBatchPolicy(
  own: BatchPolicy,
  pipeline: readonly BatchPolicy[],
  defaults: BatchPolicy = {},
  limits: { readonly maxBatchSize?: number; readonly maxBatchBytes?: number } = {},
): ResolvedBatchPolicy {
  const pick = (field: keyof BatchPolicy): number => own[field] ?? smallest(pipeline.map((p) => p[field])) ?? defaults[field] ?? HOST_BATCH_DEFAULTS[field];
  return {
    batchSize: Math.min(pick('batchSize'), limits.maxBatchSize ?? Infinity),
    maxBatchBytes: Math.min(pick('maxBatchBytes'), limits.maxBatchBytes ?? Infinity),
    flushIntervalMs: pick('flushIntervalMs'),
  };
}
