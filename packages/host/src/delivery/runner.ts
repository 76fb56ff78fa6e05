import { createBatch, isPermanent, retryAfterOf, type Batch, type Exporter, type ExporterProgress, type Logger } from '@ferry/sdk';
import type { LogCursor, LogSlice } from '../log/types.js';
import { LogGapError } from '../log/errors.js';
import { Signal } from '../util/signal.js';
import type { ComponentRecorder } from '../telemetry/metrics.js';
import { backoffDelay } from './backoff.js';
import type { DeadLetterSink } from './dead-letters.js';
import type { ExporterGate } from './gate.js';
import type { DeliveryOptions } from './policy.js';
import { wait } from './wait.js';

export interface RunnerOptions {
  readonly pipeline: string;
  readonly exporterId: string;
  readonly exporter: Exporter;
  readonly gate: ExporterGate;
  readonly cursor: LogCursor;
  /** The log's end, to tell how much is still queued for this exporter. */
  readonly endSeq: () => number;
  /** Events appended to the log since this run began (counted where they are appended). */
  readonly accepted: () => number;
  /** Resolves at the log's next append. */
  readonly nextAppend: () => Promise<void>;
  readonly delivery: DeliveryOptions;
  readonly recorder: ComponentRecorder;
  readonly logger: Logger;
  readonly deadLetters: DeadLetterSink;
  /**
   * False when the cursor reads a log of its own rather than the pipeline's (a dead-letter
   * replay): batches then carry no pipeline, since their sequence numbers are not the pipeline's.
   */
  readonly fromPipelineLog?: boolean;
}

interface InFlight {
  readonly end: number;
  /** Delivered or dead-lettered: the cursor may pass it. */
  done: boolean;
  /** The attempt loop has returned, whether or not the batch was finished. */
  settled: boolean;
  /** Of its events, how many are delivered and how many dead-lettered so far. */
  delivered: number;
  deadLettered: number;
}

/**
 * An exporter's books for this run: every event it had queued at start or that was
 * accepted since ends in exactly one of the other four terms, so
 * `resumed + accepted = delivered + deadLettered + lost + queued` at all times.
 */
export interface Books {
  /** Queued for it when this run began (from an earlier run, with storage). */
  readonly resumed: number;
  readonly accepted: number;
  readonly delivered: number;
  readonly deadLettered: number;
  /** Passed because damage on disk destroyed them (each range reported). */
  readonly lost: number;
  /** Not finished: waiting, being sent, or retrying. */
  readonly queued: number;
}

export function booksBalance(books: Books): boolean {
  return books.resumed + books.accepted === books.delivered + books.deadLettered + books.lost + books.queued;
}

function newEntry(slice: LogSlice): InFlight {
  return { end: slice.firstSeq + slice.lines.length, done: false, settled: false, delivered: 0, deadLettered: 0 };
}

class AttemptTimeout extends Error {
  override readonly name = 'AttemptTimeout';
}

/**
 * Delivers one pipeline's log to one exporter: cuts batches (size, bytes or time,
 * whichever first), sends up to the gate's limit at once, retries with backoff until the
 * batch is delivered or dead-lettered, and commits the cursor only past batches that are
 * finished, in order — so what is not committed is exactly what may still need sending.
 */
export class ExporterRunner {
  readonly #o: RunnerOptions;
  readonly #stop = new AbortController();
  readonly #wake = new Signal();
  readonly #settled = new Signal();
  readonly #inFlight: InFlight[] = [];
  readonly #space = new Signal();
  #draining = false;
  #heldEvents = 0;
  #loop: Promise<void> | undefined;
  #overflowLoop: Promise<void> | undefined;
  #taking: Promise<unknown> = Promise.resolve();
  readonly #resumed: number;
  readonly #batchPipeline: string;
  /** Set when the cursor met a gap no damage accounts for: delivery stopped in front of it. */
  #halted: LogGapError | undefined;

  constructor(options: RunnerOptions) {
    this.#o = options;
    this.#batchPipeline = options.fromPipelineLog === false ? '' : options.pipeline;
    this.#resumed = options.endSeq() - options.cursor.committed;
  }

  /** Events this exporter has not finished with: not delivered, dead-lettered or lost to damage. */
  get queued(): number {
    let finishedAhead = 0;
    for (const entry of this.#inFlight) finishedAhead += entry.delivered + entry.deadLettered;
    return this.#o.endSeq() - this.#o.cursor.committed - this.#o.cursor.uncommittedLoss - finishedAhead;
  }

  books(): Books {
    const { counts } = this.#o.recorder;
    return { resumed: this.#resumed, accepted: this.#o.accepted(), delivered: counts.sent, deadLettered: counts.failed, lost: this.#o.cursor.lostToDamage, queued: this.queued };
  }

  /** Where this exporter stands in the log, for other exporters that wait on it (`ctx.progress`). */
  progress(): ExporterProgress {
    const { origin, committed, deadLettered, lost } = this.#o.cursor.ledger;
    return { origin, committed, deadLettered, lost };
  }

  /** Why delivery stopped for good, if it did. */
  get halted(): LogGapError | undefined {
    return this.#halted;
  }

  /** Events in batches being sent or waiting to be retried. */
  get held(): number {
    return this.#heldEvents;
  }

  start(): void {
    this.#loop ??= this.#run().catch((error: unknown) => {
      this.#o.logger.error('delivery loop stopped unexpectedly', { error: (error as Error).message });
    });
    if (this.#o.delivery.queue.whenFull === 'deadLetter' && this.#limited()) {
      this.#overflowLoop ??= this.#shedOverflow().catch((error: unknown) => {
        this.#o.logger.error('queue overflow handling stopped unexpectedly', { error: (error as Error).message });
      });
    }
  }

  #limited(): boolean {
    const { maxEvents, maxBytes } = this.#o.delivery.queue;
    return maxEvents !== undefined || maxBytes !== undefined;
  }

  /** Events waiting beyond this exporter's queue limits (0 when within them). */
  #excess(): number {
    const { maxEvents, maxBytes } = this.#o.delivery.queue;
    const available = this.#o.cursor.available();
    let excess = maxEvents === undefined ? 0 : available - maxEvents;
    if (maxBytes !== undefined && available > 0) {
      const bytes = this.#o.cursor.availableBytes();
      if (bytes > maxBytes) excess = Math.max(excess, Math.ceil(((bytes - maxBytes) / bytes) * available));
    }
    return Math.max(0, excess);
  }

  /** With `whenFull: block`: whether receivers must wait for this exporter. */
  full(): boolean {
    return this.#o.delivery.queue.whenFull === 'block' && this.#limited() && this.#excess() > 0;
  }

  /** Resolves when this exporter has taken or finished events (room may have appeared). */
  space(): Promise<void> {
    return this.#space.wait();
  }

  /**
   * Takes from the cursor one caller at a time (a disk read may be under way). A gap in the
   * log halts delivery in front of it: the cursor keeps its place, so nothing is skipped.
   */
  async #take(maxEvents: number, maxBytes: number): Promise<LogSlice | undefined> {
    const taking = this.#taking.then(() => this.#o.cursor.take(maxEvents, maxBytes));
    this.#taking = taking.catch(() => undefined);
    try {
      return await taking;
    } catch (error) {
      if (!(error instanceof LogGapError)) throw error;
      if (this.#halted === undefined) {
        this.#halted = error;
        this.#o.logger.error(`delivery to exporter "${this.#o.exporterId}" stopped: ${error.message}`, { code: error.code, from: error.from, to: error.to, queued: this.queued });
        // Batches already out finish and commit; nothing more is taken.
        this.#wake.notify();
        this.#settled.notify();
      }
      return undefined;
    }
  }

  /** With `whenFull: deadLetter`: moves the oldest waiting events past the limit to dead letters. */
  async #shedOverflow(): Promise<void> {
    const signal = this.#stop.signal;
    const { maxEvents, maxBytes } = this.#o.delivery.queue;
    const reason = `queue full: more than ${maxEvents !== undefined ? `${maxEvents} events` : `${maxBytes} bytes`} waiting for exporter "${this.#o.exporterId}" (queue.whenFull: deadLetter)`;
    while (!signal.aborted && this.#halted === undefined) {
      const excess = this.#excess();
      if (excess === 0) {
        await wait(60_000, signal, this.#o.nextAppend());
        continue;
      }
      const slice = await this.#take(Math.min(excess, this.#o.delivery.batch.batchSize), Number.MAX_SAFE_INTEGER);
      if (slice === undefined) continue;
      const entry = newEntry(slice);
      this.#inFlight.push(entry);
      const batch = createBatch({ lines: slice.lines, receivedAt: slice.receivedAt, firstSeq: slice.firstSeq, pipeline: this.#batchPipeline });
      try {
        await this.#deadLetter(batch, reason, entry);
        entry.done = true;
      } finally {
        entry.settled = true;
        this.#commitFinished();
        this.#settled.notify();
      }
    }
  }

  /** Sends everything still queued without waiting for timers; resolves when nothing is left or at the deadline. */
  async drain(deadline: number): Promise<void> {
    this.#draining = true;
    this.#wake.notify();
    while (this.queued > 0 && Date.now() < deadline && this.#loop !== undefined && this.#halted === undefined) {
      await wait(deadline - Date.now(), this.#stop.signal, this.#settled.wait());
    }
  }

  /** Stops at once: attempts are aborted and their events stay uncommitted. */
  async stop(): Promise<void> {
    this.#stop.abort();
    this.#wake.notify();
    await this.#loop;
    await this.#overflowLoop;
    while (this.#inFlight.some((f) => !f.settled)) await this.#settled.wait();
  }

  async #run(): Promise<void> {
    const { gate } = this.#o;
    const signal = this.#stop.signal;
    while (!signal.aborted && this.#halted === undefined) {
      if (!(await gate.acquire(signal))) break;
      const slice = await this.#nextSlice(signal);
      if (slice === undefined) {
        gate.release();
        continue;
      }
      const entry = newEntry(slice);
      this.#inFlight.push(entry);
      this.#heldEvents += slice.lines.length;
      void this.#deliver(slice, entry)
        .then((finished) => {
          // A batch abandoned at stop is not finished: it stays uncommitted, so it is sent again after a restart.
          entry.done = finished;
        })
        .catch((error: unknown) => {
          this.#o.logger.error('delivery of a batch failed unexpectedly; it stays queued', { error: (error as Error).message });
        })
        .finally(() => {
          gate.release();
          entry.settled = true;
          this.#heldEvents -= slice.lines.length;
          this.#commitFinished();
          this.#settled.notify();
        });
    }
  }

  /** Waits until a batch is due, then takes it from the log. */
  async #nextSlice(signal: AbortSignal): Promise<LogSlice | undefined> {
    const { cursor, delivery } = this.#o;
    const { batchSize, maxBatchBytes, flushIntervalMs } = delivery.batch;
    for (;;) {
      if (signal.aborted || this.#halted !== undefined) return undefined;
      const available = cursor.available();
      if (available === 0) {
        await wait(60_000, signal, Promise.race([this.#o.nextAppend(), this.#wake.wait()]));
        continue;
      }
      if (available >= batchSize || cursor.availableBytes() >= maxBatchBytes || this.#draining) break;
      if (flushIntervalMs > 0) {
        const dueIn = (cursor.nextReceivedAt() ?? 0) + flushIntervalMs - Date.now();
        if (dueIn <= 0) break;
        await wait(dueIn, signal, Promise.race([this.#o.nextAppend(), this.#wake.wait()]));
      } else {
        await wait(60_000, signal, Promise.race([this.#o.nextAppend(), this.#wake.wait()]));
      }
    }
    return this.#take(batchSize, maxBatchBytes);
  }

  #commitFinished(): void {
    let end: number | undefined;
    let delivered = 0;
    let deadLettered = 0;
    while (this.#inFlight.length > 0 && (this.#inFlight[0] as InFlight).done) {
      const entry = this.#inFlight.shift() as InFlight;
      end = entry.end;
      delivered += entry.delivered;
      deadLettered += entry.deadLettered;
    }
    // An abandoned batch blocks the cursor for good: everything after it is sent again next time.
    if (end !== undefined) this.#o.cursor.commit(end, { delivered, deadLettered });
    this.#space.notify();
  }

  /** True once the batch is delivered or dead-lettered; false if abandoned because the runner stopped. */
  async #deliver(slice: LogSlice, entry: InFlight): Promise<boolean> {
    const { recorder, retry } = { recorder: this.#o.recorder, retry: this.#o.delivery.retry };
    let batch: Batch = createBatch({ lines: slice.lines, receivedAt: slice.receivedAt, firstSeq: slice.firstSeq, pipeline: this.#batchPipeline });
    const startedAt = Date.now();
    for (let attempt = 1; ; attempt++) {
      await this.#o.gate.throttle(this.#stop.signal);
      if (this.#stop.signal.aborted) return false;
      let failure: Error;
      try {
        const result = await this.#attempt(batch, attempt);
        const rejected = result?.rejected ?? [];
        if (rejected.length === 0) {
          this.#succeeded(batch.count, attempt, entry);
          return true;
        }
        const permanent = rejected.filter((r) => isPermanent(r.error));
        const retryable = rejected.filter((r) => !isPermanent(r.error));
        this.#o.recorder.add('sent', batch.count - rejected.length);
        entry.delivered += batch.count - rejected.length;
        for (const reason of groupByReason(permanent)) await this.#deadLetter(batch.select(reason.indexes), reason.message, entry);
        if (retryable.length === 0) {
          this.#o.gate.succeeded();
          return true;
        }
        batch = batch.select(retryable.map((r) => r.index));
        failure = (retryable[0] as { error: Error }).error;
      } catch (error) {
        failure = error instanceof Error ? error : new Error(String(error));
        if (this.#stop.signal.aborted && !(failure instanceof AttemptTimeout)) return false;
        if (isPermanent(failure)) {
          this.#o.gate.succeeded();
          await this.#deadLetter(batch, failure.message, entry);
          return true;
        }
      }
      const retryAfterMs = retryAfterOf(failure);
      this.#o.gate.failed(retryAfterMs);
      recorder.add('retried', batch.count);
      if (retry.maxElapsedMs > 0 && Date.now() - startedAt >= retry.maxElapsedMs) {
        await this.#deadLetter(batch, `still failing after ${Math.round((Date.now() - startedAt) / 1000)} s (retry.maxElapsedMs): ${failure.message}`, entry);
        return true;
      }
      const delay = backoffDelay(retry, attempt, retryAfterMs);
      const log = attempt === 1 || attempt % 10 === 0 ? this.#o.logger.warn : this.#o.logger.debug;
      log('export failed, retrying', { attempt, events: batch.count, retryInMs: delay, error: failure.message });
      await wait(delay, this.#stop.signal);
    }
  }

  async #attempt(batch: Batch, attempt: number): ReturnType<Exporter['export']> {
    const controller = new AbortController();
    const onStop = () => controller.abort(this.#stop.signal.reason);
    this.#stop.signal.addEventListener('abort', onStop, { once: true });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new AttemptTimeout(`export attempt timed out after ${this.#o.delivery.timeoutMs} ms`);
        controller.abort(error);
        reject(error);
      }, this.#o.delivery.timeoutMs);
    });
    try {
      // An exporter that ignores the signal still cannot hold the batch past the timeout.
      return await Promise.race([this.#o.exporter.export(batch, { signal: controller.signal, attempt }), timedOut]);
    } finally {
      clearTimeout(timer);
      this.#stop.signal.removeEventListener('abort', onStop);
    }
  }

  #succeeded(count: number, attempt: number, entry: InFlight): void {
    this.#o.recorder.add('sent', count);
    entry.delivered += count;
    this.#o.gate.succeeded();
    if (attempt > 1) this.#o.logger.info('export succeeded after retries', { attempts: attempt, events: count });
  }

  async #deadLetter(batch: Batch, reason: string, entry: InFlight): Promise<void> {
    await this.#o.deadLetters.add({ exporter: this.#o.exporterId, pipeline: this.#o.pipeline, reason, batch });
    // Counted once kept: a letter the store could not take stays queued and is sent again.
    this.#o.recorder.add('failed', batch.count);
    entry.deadLettered += batch.count;
    this.#o.logger.error('events dead-lettered', { events: batch.count, reason });
  }
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
