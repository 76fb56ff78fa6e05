import { isConfigError, isPermanent, isPushBack, retryAfterOf, type Batch, type Exporter, type Logger, type RejectedEvent } from '@ferry/sdk';
import type { ComponentRecorder } from '../telemetry/metrics.js';
import { AttemptTimeout, attemptWithTimeout } from './attempt.js';
import { backoffDelay, type RetryPolicy } from './backoff.js';
import type { ConfigHold } from './config-hold.js';
import type { ExporterGate } from './gate.js';
import { checkedRejections } from './rejections.js';
import { wait } from './wait.js';

/** Where a batch's outcomes are counted as they happen. */
export interface Tally {
  delivered: number;
  deadLettered: number;
}

export interface RetryDeps {
  readonly exporter: Exporter;
  readonly gate: ExporterGate;
  readonly retry: RetryPolicy;
  readonly timeoutMs: number;
  /** Aborts at stop: the batch is abandoned (stays uncommitted). */
  readonly stop: AbortSignal;
  readonly recorder: ComponentRecorder;
  readonly logger: Logger;
  /** Keeps events for good with the reason, counting them on the tally once kept. */
  readonly deadLetter: (batch: Batch, reason: string, tally: Tally) => Promise<void>;
  /** Where a ConfigError is reported, once per streak (the batch itself is held, not dead-lettered). */
  readonly hold?: ConfigHold;
  /**
   * Aborted when the runner retires (a reload replacing it): a batch waiting to be tried
   * again is left uncommitted then, for the successor to cut again, instead of holding the
   * reload until its next attempt.
   */
  readonly retiring?: AbortSignal;
  /**
   * Resolves once this batch, waiting to be tried again, holds the whole pipeline up: it is
   * the oldest not finished, so nothing after it can be committed, and receivers wait for
   * the room only commits give back. Its wait is then cut short (see deliverWithRetry).
   * Gives up when `done` aborts (the wait ended anyway).
   */
  readonly holdsUpPipeline?: (done: AbortSignal) => Promise<void>;
  readonly random?: () => number;
}

/** Retries that may be hurried when their batch holds the pipeline up (see deliverWithRetry). */
const HURRIED_ATTEMPTS = 2;

/** Dead-lettered: refused for good, for the events' own sake (a ConfigError is the configuration's, and holds them). */
const deadLetters = (error: Error) => isPermanent(error) && !isConfigError(error);

function groupByReason(rejected: ReadonlyArray<{ index: number; error: Error }>): Array<{ message: string; indexes: number[] }> {
  const groups = new Map<string, number[]>();
  for (const { index, error } of rejected) {
    const list = groups.get(error.message) ?? [];
    list.push(index);
    groups.set(error.message, list);
  }
  return [...groups].map(([message, indexes]) => ({ message, indexes }));
}

/**
 * Sends a batch until every event is delivered or dead-lettered: attempts with a
 * deadline, then on a retryable failure waits with exponential backoff and jitter (never
 * less than Retry-After) and tries again with only the events that still need it. A
 * permanent error dead-letters what it concerns. With `retry.maxElapsedMs`, it gives up —
 * dead-lettering with the last error — rather than sleep past that budget.
 *
 * A ConfigError (the destination refuses the exporter's configuration: a revoked key) is
 * no verdict on the events: they are held — tried again no sooner than the policy's longest
 * interval, whatever `maxElapsedMs` says, with the problem reported once to the log and
 * `/status` — until the destination takes them or a reload with a fixed config replaces
 * the exporter. Holding loses nothing; dead-lettering every batch against a bad key would
 * empty the queue into letters someone must replay by hand.
 *
 * Resolves true once finished, false when `stop` abandoned it, or `retiring` found it
 * waiting to be tried again (its events stay queued).
 */
export async function deliverWithRetry(first: Batch, tally: Tally, deps: RetryDeps): Promise<boolean> {
  const { gate, retry, recorder, logger, stop } = deps;
  let batch = first;
  const startedAt = Date.now();
  for (let attempt = 1; ; attempt++) {
    // One request slot per attempt, not per batch: a batch waiting to retry holds none.
    if (!(await gate.acquireAttempt(stop))) return false;
    if (attempt === 1 && recorder.tapped) recorder.tap(recorder.pipeline ?? batch.pipeline, batch.lines);
    let failure: Error;
    const began = performance.now();
    try {
      const result = await attemptWithTimeout(deps.exporter, batch, attempt, deps.timeoutMs, stop).finally(() => gate.releaseAttempt());
      // Checked before anything is counted: an index outside the batch is the exporter's bug, and the batch is tried again whole.
      const rejected = checkedRejections(result, batch.count);
      const delivered = batch.count - rejected.length;
      recorder.add('sent', delivered);
      tally.delivered += delivered;
      // What /status should hear: a refused configuration first, then a retryable failure, else the refusal.
      const notDelivered = rejected.find((r) => isConfigError(r.error)) ?? rejected.find((r) => !isPermanent(r.error)) ?? rejected[0];
      recorder.attempted({ seconds: (performance.now() - began) / 1000, error: notDelivered?.error });
      if (delivered > 0) deps.hold?.delivered();
      if (rejected.length === 0) {
        gate.succeeded();
        if (attempt > 1) logger.info('export succeeded after retries', { attempts: attempt, events: batch.count });
        return true;
      }
      const again: RejectedEvent[] = rejected.filter((r) => !deadLetters(r.error));
      for (const reason of groupByReason(rejected.filter((r) => deadLetters(r.error)))) await deps.deadLetter(batch.select(reason.indexes), reason.message, tally);
      if (again.length === 0) {
        gate.succeeded();
        return true;
      }
      batch = batch.select(again.map((r) => r.index));
      failure = (again.find((r) => isConfigError(r.error)) ?? (again[0] as RejectedEvent)).error;
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
      if (stop.aborted && !(failure instanceof AttemptTimeout)) return false;
      recorder.attempted({ seconds: (performance.now() - began) / 1000, error: failure });
      if (deadLetters(failure)) {
        gate.succeeded();
        await deps.deadLetter(batch, failure.message, tally);
        return true;
      }
    }
    if (isConfigError(failure)) {
      deps.hold?.refused(failure);
      // Every request would meet the same refusal: one at a time, at the longest interval.
      gate.failed(true, undefined);
      recorder.add('retried', batch.count);
      const delay = Math.max(backoffDelay(retry, attempt, undefined, deps.random), retry.maxIntervalMs);
      logger.debug('export refused for the configuration; the batch is held', { attempt, events: batch.count, retryInMs: delay, error: failure.message });
      if (!(await pause(delay, deps))) return false;
      continue;
    }
    const retryAfterMs = retryAfterOf(failure);
    gate.failed(isPushBack(failure) || failure instanceof AttemptTimeout, retryAfterMs);
    recorder.add('retried', batch.count);
    const delay = backoffDelay(retry, attempt, retryAfterMs, deps.random);
    const elapsed = Date.now() - startedAt;
    if (retry.maxElapsedMs > 0 && elapsed + delay > retry.maxElapsedMs) {
      await deps.deadLetter(batch, `still failing after ${Math.round(elapsed / 1000)} s, and the next retry would pass retry.maxElapsedMs (${retry.maxElapsedMs} ms): ${failure.message}`, tally);
      return true;
    }
    const log = attempt === 1 || attempt % 10 === 0 ? logger.warn : logger.debug;
    log('export failed, retrying', { attempt, events: batch.count, retryInMs: delay, error: failure.message });
    // An isolated failure (a 500 from a destination otherwise taking traffic: no push-back,
    // no Retry-After, no timeout, and the gate sees no failing destination) is tried again
    // at once when waiting would stall the pipeline: with the memory queue's bound a batch
    // that waits at the front fills it within its backoff, and every receiver then waits too
    // (the Datadog path with every 10th request failing kept 75% of its healthy rate so).
    // Only the first retries: a batch the destination keeps refusing backs off as usual.
    const isolated = attempt <= HURRIED_ATTEMPTS && !isPushBack(failure) && !(failure instanceof AttemptTimeout) && retryAfterMs === undefined && gate.steady;
    if (!(await pause(delay, deps, isolated ? deps.holdsUpPipeline : undefined))) return false;
  }
}

/**
 * Waits before the next attempt, or until `hurry` says the wait holds the pipeline up;
 * false when the runner retires meanwhile (the batch is left for its successor).
 */
async function pause(delay: number, deps: RetryDeps, hurry?: (done: AbortSignal) => Promise<void>): Promise<boolean> {
  const { stop, retiring } = deps;
  const done = hurry === undefined ? undefined : new AbortController();
  try {
    await wait(delay, retiring === undefined ? stop : AbortSignal.any([stop, retiring]), done === undefined ? undefined : hurry?.(done.signal));
  } finally {
    done?.abort();
  }
  return retiring?.aborted !== true;
}
