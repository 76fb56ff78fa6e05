import { Signal } from '../util/signal.js';
import { wait } from './wait.js';

/**
 * Shared by every pipeline that feeds one exporter: how many batches may be in flight, and
 * whether the destination asked us to pause. A retryable failure drops concurrency to one
 * and a Retry-After pauses new attempts, so a struggling destination sees its load shrink
 * instead of multiply; each success lets one more batch in, up to `maxInFlight`.
 */
export class ExporterGate {
  readonly #max: number;
  #limit: number;
  #inFlight = 0;
  #pausedUntil = 0;
  readonly #released = new Signal();

  constructor(maxInFlight: number) {
    this.#max = maxInFlight;
    this.#limit = maxInFlight;
  }

  get inFlight(): number {
    return this.#inFlight;
  }
  get limit(): number {
    return this.#limit;
  }

  /** Waits for a free slot; false when the signal aborted first. */
  async acquire(signal: AbortSignal): Promise<boolean> {
    while (this.#inFlight >= this.#limit) {
      if (signal.aborted) return false;
      await wait(60_000, signal, this.#released.wait());
    }
    if (signal.aborted) return false;
    this.#inFlight++;
    return true;
  }

  release(): void {
    this.#inFlight--;
    this.#released.notify();
  }

  /** Waits while the destination asked for a pause. */
  async throttle(signal: AbortSignal): Promise<void> {
    for (let left = this.#pausedUntil - Date.now(); left > 0 && !signal.aborted; left = this.#pausedUntil - Date.now()) {
      await wait(left, signal);
    }
  }

  succeeded(): void {
    if (this.#limit < this.#max) {
      this.#limit++;
      this.#released.notify();
    }
  }

  failed(retryAfterMs: number | undefined): void {
    this.#limit = 1;
    if (retryAfterMs !== undefined && retryAfterMs > 0) this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + retryAfterMs);
  }
}
