import type { LogCursor, LogSlice } from '../log/types.js';
import type { PushBackView } from '../pipeline/push-back.js';
import { LogGapError } from '../log/errors.js';
import { Signal } from '../util/signal.js';
import type { ResolvedBatchPolicy } from './policy.js';
import { wait } from './wait.js';

export interface CutterOptions {
  readonly cursor: LogCursor;
  readonly batch: ResolvedBatchPolicy;
  /** Resolves at the log's next append. */
  readonly nextAppend: () => Promise<void>;
  /** The cursor met a gap no damage accounts for: nothing more will be cut. */
  readonly onGap: (gap: LogGapError) => void;
  /** The pipeline's push-back on its receivers: while they wait for room, what waits is due at once. */
  readonly pushBack?: PushBackView;
}

/** The longest wait for data before looking again (a wake-up or an append ends it sooner). */
const IDLE_WAIT_MS = 60_000;

/**
 * Cuts an exporter's batches from its cursor: a batch is due when `batchSize` events or
 * `maxBatchBytes` bytes wait, when the oldest waiting event is `flushIntervalMs` old, or at
 * once while draining or while the pipeline pushes back on its receivers (they wait for the
 * room only commits give back) — whichever comes first. Takes are serialized (a disk read may be
 * under way). A gap in the log halts cutting for good, in front of it.
 */
export class BatchCutter {
  readonly #o: CutterOptions;
  readonly #wake = new Signal();
  #taking: Promise<unknown> = Promise.resolve();
  #draining = false;
  #halted: LogGapError | undefined;
  /** The pipeline's push count when a batch was last cut for it. */
  #pushesSeen = 0;

  constructor(options: CutterOptions) {
    this.#o = options;
    this.#pushesSeen = options.pushBack?.pushes ?? 0;
  }

  get halted(): LogGapError | undefined {
    return this.#halted;
  }

  /** From now on every waiting event is due at once. */
  drain(): void {
    this.#draining = true;
    this.#wake.notify();
  }

  /** Ends a wait early (to look at the signal or the draining flag again). */
  wake(): void {
    this.#wake.notify();
  }

  /** Waits until a batch is due, then cuts it; undefined when the signal aborts or cutting halted. */
  async next(signal: AbortSignal): Promise<LogSlice | undefined> {
    const { cursor, batch } = this.#o;
    for (;;) {
      if (signal.aborted || this.#halted !== undefined) return undefined;
      const pushBack = this.#o.pushBack;
      const woken = () => Promise.race([this.#o.nextAppend(), this.#wake.wait(), ...(pushBack === undefined ? [] : [pushBack.next()])]);
      const available = cursor.available();
      if (available === 0) {
        await wait(IDLE_WAIT_MS, signal, woken());
        continue;
      }
      if (available >= batch.batchSize || cursor.availableBytes() >= batch.maxBatchBytes || this.#draining) break;
      if (pushBack !== undefined && (pushBack.waiting || pushBack.pushes !== this.#pushesSeen)) {
        this.#pushesSeen = pushBack.pushes;
        break;
      }
      const dueIn = batch.flushIntervalMs > 0 ? (cursor.nextReceivedAt() ?? 0) + batch.flushIntervalMs - Date.now() : IDLE_WAIT_MS;
      if (dueIn <= 0) break;
      await wait(dueIn, signal, woken());
    }
    return this.take(batch.batchSize, batch.maxBatchBytes);
  }

  /** Takes from the cursor one caller at a time; a gap halts cutting (undefined from then on). */
  async take(maxEvents: number, maxBytes: number): Promise<LogSlice | undefined> {
    const taking = this.#taking.then(() => (this.#halted === undefined ? this.#o.cursor.take(maxEvents, maxBytes) : undefined));
    this.#taking = taking.catch(() => undefined);
    try {
      return await taking;
    } catch (error) {
      if (!(error instanceof LogGapError)) throw error;
      if (this.#halted === undefined) {
        this.#halted = error;
        this.#o.onGap(error);
        this.#wake.notify();
      }
      return undefined;
    }
  }
}
