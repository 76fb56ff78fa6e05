import { isPermanent, isPushBack, retryAfterOf, type Batch, type Exporter, type Logger } from '@ferry/sdk';
import type { ComponentRecorder } from '../telemetry/metrics.js';
import { AttemptTimeout, attemptWithTimeout } from './attempt.js';
import { backoffDelay, type RetryPolicy } from './backoff.js';
import type { ExporterGate } from './gate.js';
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
  readonly random?: () => number;
}

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
 * Resolves true once finished, false when `stop` abandoned it (its events stay queued).
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
      const rejected = result?.rejected ?? [];
      const delivered = batch.count - rejected.length;
      recorder.add('sent', delivered);
      tally.delivered += delivered;
      const notDelivered = rejected.find((r) => !isPermanent(r.error)) ?? rejected[0];
      recorder.attempted({ seconds: (performance.now() - began) / 1000, error: notDelivered?.error });
      if (rejected.length === 0) {
        gate.succeeded();
        if (attempt > 1) logger.info('export succeeded after retries', { attempts: attempt, events: batch.count });
        return true;
      }
      const retryable = rejected.filter((r) => !isPermanent(r.error));
      for (const reason of groupByReason(rejected.filter((r) => isPermanent(r.error)))) await deps.deadLetter(batch.select(reason.indexes), reason.message, tally);
      if (retryable.length === 0) {
        gate.succeeded();
        return true;
      }
      batch = batch.select(retryable.map((r) => r.index));
      failure = (retryable[0] as { error: Error }).error;
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
      if (stop.aborted && !(failure instanceof AttemptTimeout)) return false;
      recorder.attempted({ seconds: (performance.now() - began) / 1000, error: failure });
      if (isPermanent(failure)) {
        gate.succeeded();
        await deps.deadLetter(batch, failure.message, tally);
        return true;
      }
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
    await wait(delay, stop);
  }
}
