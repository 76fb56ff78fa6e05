import { createBatch, type Batch, type Exporter, type ExporterProgress, type Logger } from '@ferry/sdk';
import type { LogCursor, LogSlice } from '../log/types.js';
import type { LogGapError } from '../log/errors.js';
import type { PushBackView } from '../pipeline/push-back.js';
import { Signal } from '../util/signal.js';
import type { ComponentRecorder } from '../telemetry/metrics.js';
import { BatchCutter } from './batch-cutter.js';
import type { Books } from './books.js';
import { CommitWindow, type WindowEntry } from './commit-window.js';
import type { DeadLetterSink } from './dead-letters.js';
import type { ConfigHold } from './config-hold.js';
import type { ExporterGate } from './gate.js';
import { queueExcess, queueLimited, shedOverflow } from './overflow.js';
import type { DeliveryOptions } from './policy.js';
import { deliverWithRetry, type Tally } from './retry.js';
import { oldestPending, type OldestPending } from './lag.js';
import { wait } from './wait.js';

/** How often a batch waiting to retry looks again whether it holds the pipeline up, short of a settle or a push waking it. */
const HOLD_UP_RECHECK_MS = 1000;

export { booksBalance, type Books } from './books.js';

export interface RunnerOptions {
  readonly pipeline: string;
  readonly exporterId: string;
  readonly exporter: Exporter;
  readonly gate: ExporterGate;
  readonly cursor: LogCursor;
  /** The log's end, to tell how much is still queued for this exporter. */
  readonly endSeq: () => number;
  /** Events appended to the log since this exporter's books began (counted where they are appended). */
  readonly accepted: () => number;
  /** Events queued for it when its books began, when this runner continues an earlier one's (a reload); else what is queued now. */
  readonly resumed?: number;
  /** Resolves at the log's next append. */
  readonly nextAppend: () => Promise<void>;
  /** The pipeline's push-back on its receivers (none for a dead-letter replay, which has no receivers). */
  readonly pushBack?: PushBackView;
  readonly delivery: DeliveryOptions;
  readonly recorder: ComponentRecorder;
  readonly logger: Logger;
  readonly deadLetters: DeadLetterSink;
  /** Where a ConfigError met at export is reported (batches meeting one are held, not dead-lettered). */
  readonly hold?: ConfigHold;
  /**
   * False when the cursor reads a log of its own rather than the pipeline's (a dead-letter
   * replay): batches then carry no pipeline, since their sequence numbers are not the pipeline's.
   */
  readonly fromPipelineLog?: boolean;
}

/**
 * Delivers one pipeline's log to one exporter, from small parts in the manner of the
 * OpenTelemetry Collector's exporterhelper: the batch cutter decides when a batch is due
 * and takes it from the cursor; the gate bounds how many are in flight; each batch is sent
 * with a deadline per attempt and retried until delivered or dead-lettered; the commit
 * window moves the cursor only past batches that are finished, in order; the overflow
 * shedder applies `queue.whenFull: deadLetter`. This class wires them and keeps the books.
 */
export class ExporterRunner {
  readonly #o: RunnerOptions;
  /** Aborts attempts in flight (their batches stay uncommitted). */
  readonly #stop = new AbortController();
  /** Stops cutting new batches (at stop, or when retiring while those in flight finish). */
  readonly #noMoreBatches = new AbortController();
  readonly #settled = new Signal();
  readonly #space = new Signal();
  readonly #cutter: BatchCutter;
  readonly #window: CommitWindow;
  readonly #resumed: number;
  readonly #batchPipeline: string;
  #heldEvents = 0;
  readonly #startedAt = Date.now();
  #loop: Promise<void> | undefined;
  #overflowLoop: Promise<void> | undefined;

  constructor(options: RunnerOptions) {
    this.#o = options;
    this.#batchPipeline = options.fromPipelineLog === false ? '' : options.pipeline;
    this.#resumed = options.resumed ?? options.endSeq() - options.cursor.committed;
    this.#window = new CommitWindow(options.cursor);
    this.#cutter = new BatchCutter({ cursor: options.cursor, batch: options.delivery.batch, nextAppend: options.nextAppend, onGap: (gap) => this.#halt(gap), ...(options.pushBack === undefined ? {} : { pushBack: options.pushBack }) });
  }

  /** Events this exporter has not finished with: not delivered, dead-lettered or lost to damage. */
  get queued(): number {
    const { cursor } = this.#o;
    return this.#o.endSeq() - cursor.committed - cursor.uncommittedLoss - this.#window.finishedAhead;
  }

  books(): Books {
    const { counts } = this.#o.recorder;
    return { resumed: this.#resumed, accepted: this.#o.accepted(), delivered: counts.sent, deadLettered: counts.failed, lost: this.#o.cursor.lostToDamage, queued: this.queued };
  }

  /** Where this exporter stands in the log as a restart would find it, for other exporters that wait on it (`ctx.progress`). */
  progress(): ExporterProgress {
    const { origin, committed, deadLettered, lost } = this.#o.cursor.savedLedger;
    return { origin, committed, deadLettered, lost };
  }

  /** Why delivery stopped for good, if it did. */
  get halted(): LogGapError | undefined {
    return this.#cutter.halted;
  }

  /** Events in batches being sent or waiting to be retried. */
  get held(): number {
    return this.#heldEvents;
  }

  /** Bytes of the queued events (estimated for events only on disk), for the queue gauges. */
  get queuedBytes(): number {
    return this.#window.openBytes + this.#o.cursor.availableBytes();
  }

  /** When the oldest event not yet finished was accepted (the lag gauge; see lag.ts). */
  oldestPending(): OldestPending | undefined {
    return oldestPending({ queued: this.queued, window: this.#window, cursor: this.#o.cursor, startedAt: this.#startedAt, now: Date.now(), halted: this.halted !== undefined });
  }

  start(): void {
    this.#loop ??= this.#run().catch((error: unknown) => {
      this.#o.logger.error('delivery loop stopped unexpectedly', { error: (error as Error).message });
    });
    const { queue, batch } = this.#o.delivery;
    if (queue.whenFull === 'deadLetter' && queueLimited(queue)) {
      const overflow = {
        exporterId: this.#o.exporterId,
        cursor: this.#o.cursor,
        queue,
        batchSize: batch.batchSize,
        cutter: this.#cutter,
        window: this.#window,
        nextAppend: this.#o.nextAppend,
        deadLetter: (b: Batch, reason: string, tally: Tally) => this.#deadLetter(b, reason, tally),
        pipeline: this.#batchPipeline,
        onSettled: () => this.#onSettled(),
      };
      this.#overflowLoop ??= shedOverflow(overflow, this.#noMoreBatches.signal).catch((error: unknown) => {
        this.#o.logger.error('queue overflow handling stopped unexpectedly', { error: (error as Error).message });
      });
    }
  }

  /** With `whenFull: block`: whether receivers must wait for this exporter. */
  full(): boolean {
    const { queue } = this.#o.delivery;
    return queue.whenFull === 'block' && queueLimited(queue) && queueExcess(this.#o.cursor, queue) > 0;
  }

  /** Resolves when this exporter has taken or finished events (room may have appeared). */
  space(): Promise<void> {
    return this.#space.wait();
  }

  /** Sends everything still queued without waiting for timers; resolves when nothing is left or at the deadline. */
  async drain(deadline: number): Promise<void> {
    this.#cutter.drain();
    while (this.queued > 0 && Date.now() < deadline && this.#loop !== undefined && this.halted === undefined) {
      await wait(deadline - Date.now(), this.#stop.signal, this.#settled.wait());
    }
  }

  /**
   * Cuts no more batches and lets those in flight finish until `deadline`, then stops (a
   * reload replacing this runner). What did not finish stays uncommitted: rewind the
   * cursor before another runner reads on with it.
   */
  async retire(deadline: number): Promise<void> {
    this.#noMoreBatches.abort();
    this.#cutter.wake();
    await this.#loop;
    await this.#overflowLoop;
    while (!this.#window.allSettled && Date.now() < deadline) await wait(deadline - Date.now(), this.#stop.signal, this.#settled.wait());
    await this.stop();
  }

  /** Stops at once: attempts are aborted and their events stay uncommitted. */
  async stop(): Promise<void> {
    this.#noMoreBatches.abort();
    this.#stop.abort();
    this.#cutter.wake();
    await this.#loop;
    await this.#overflowLoop;
    while (!this.#window.allSettled) await this.#settled.wait();
  }

  #halt(gap: LogGapError): void {
    this.#o.logger.error(`delivery to exporter "${this.#o.exporterId}" stopped: ${gap.message}`, { code: gap.code, from: gap.from, to: gap.to, queued: this.queued });
    // Batches already out finish and commit; nothing more is taken.
    this.#settled.notify();
  }

  async #run(): Promise<void> {
    const { gate } = this.#o;
    const signal = this.#noMoreBatches.signal;
    while (!signal.aborted && this.halted === undefined) {
      if (!(await gate.acquire(signal))) break;
      const slice = await this.#cutter.next(signal);
      if (slice === undefined) {
        gate.release();
        continue;
      }
      void this.#send(slice).finally(() => gate.release());
    }
  }

  async #send(slice: LogSlice): Promise<void> {
    const entry = this.#window.open(slice);
    this.#heldEvents += slice.lines.length;
    let finished = false;
    try {
      const batch = createBatch({ lines: slice.lines, receivedAt: slice.receivedAt, firstSeq: slice.firstSeq, pipeline: this.#batchPipeline });
      // A batch abandoned at stop is not finished: it stays uncommitted, so it is sent again after a restart.
      finished = await deliverWithRetry(batch, entry, {
        exporter: this.#o.exporter,
        gate: this.#o.gate,
        retry: this.#o.delivery.retry,
        timeoutMs: this.#o.delivery.timeoutMs,
        stop: this.#stop.signal,
        recorder: this.#o.recorder,
        logger: this.#o.logger,
        deadLetter: (b, reason, tally) => this.#deadLetter(b, reason, tally),
        ...(this.#o.hold === undefined ? {} : { hold: this.#o.hold }),
        retiring: this.#noMoreBatches.signal,
        ...(this.#o.pushBack === undefined ? {} : { holdsUpPipeline: (done: AbortSignal) => this.#holdsUpPipeline(entry, this.#o.pushBack as PushBackView, done) }),
      });
    } catch (error) {
      this.#o.logger.error('delivery of a batch failed unexpectedly; it stays queued', { error: (error as Error).message });
    } finally {
      this.#heldEvents -= slice.lines.length;
      this.#window.settle(entry, finished);
      this.#onSettled();
    }
  }

  /** Resolves once `entry` is the oldest batch not finished while receivers wait for room (see RetryDeps.holdsUpPipeline). */
  async #holdsUpPipeline(entry: WindowEntry, pushBack: PushBackView, done: AbortSignal): Promise<void> {
    while (!done.aborted && !(pushBack.waiting && this.#window.front === entry)) {
      // The front moves when a batch settles; receivers begin to wait with a push.
      await wait(HOLD_UP_RECHECK_MS, done, Promise.race([pushBack.next(), this.#settled.wait()]));
    }
  }

  #onSettled(): void {
    this.#space.notify();
    this.#settled.notify();
  }

  async #deadLetter(batch: Batch, reason: string, tally: Tally): Promise<void> {
    await this.#o.deadLetters.add({ exporter: this.#o.exporterId, pipeline: this.#o.pipeline, reason, batch });
    // Counted once kept: a letter the store could not take stays queued and is sent again.
    this.#o.recorder.add('failed', batch.count);
    tally.deadLettered += batch.count;
    this.#o.logger.error('events dead-lettered', { events: batch.count, reason });
  }
}
