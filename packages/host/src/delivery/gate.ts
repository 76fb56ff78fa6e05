import { Signal } from '../util/signal.js';
import { wait } from './wait.js';

/** Outcomes remembered to tell a failing destination from an isolated failure. */
const WINDOW = 20;
/** Past this share of failures among the last WINDOW attempts, failures count as push-back. */
const FAILURE_RATE_LIMIT = 0.5;

/**
 * Shared by every pipeline that feeds one exporter: how many batches may be held (cut and
 * not yet finished: twice `maxInFlight`, so that batches waiting to retry do not take the
 * place of those being sent; just one when `maxInFlight` is 1, which keeps batches in order), how many requests may be under way at once (the limit, at
 * most `maxInFlight`), and whether the destination asked us to pause. The limit shrinks only when the destination
 * pushes back — a 429/503 or Retry-After, a timeout, or failures above half of recent
 * attempts — halving each time, and a Retry-After pauses new attempts; each success lets one
 * more batch in, up to `maxInFlight`. An isolated failure (one 500 among successes) shrinks
 * nothing: that batch retries on its own while the others keep flowing.
 */
export class ExporterGate {
  readonly #max: number;
  readonly #maxHeld: number;
  #limit: number;
  #held = 0;
  #inFlight = 0;
  #pausedUntil = 0;
  readonly #released = new Signal();
  readonly #recent: boolean[] = [];

  constructor(maxInFlight: number) {
    this.#max = maxInFlight;
    // Measured on the Datadog path with every 10th request failing: with only maxInFlight
    // batches held, each one waiting for its retry kept a request slot idle (74% of the
    // healthy rate). maxInFlight 1 keeps one batch at a time, so batches arrive in order.
    this.#maxHeld = maxInFlight === 1 ? 1 : 2 * maxInFlight;
    this.#limit = maxInFlight;
  }

  /** The destination is taking traffic: nothing has lowered the limit, no pause was asked for, failures are isolated. */
  get steady(): boolean {
    return this.#limit === this.#max && this.#pausedUntil <= Date.now() && this.#failureRate() <= FAILURE_RATE_LIMIT;
  }

  /** Requests under way now. */
  get inFlight(): number {
    return this.#inFlight;
  }
  get limit(): number {
    return this.#limit;
  }

  /** Waits until fewer than the held bound (see above) are held (cut, not finished); false when the signal aborted first. */
  acquire(signal: AbortSignal): Promise<boolean> {
    return this.#take(signal, () => this.#held < this.#maxHeld, () => this.#held++);
  }

  release(): void {
    this.#held--;
    this.#released.notify();
  }

  /** Waits for room for one more request under the current limit, and for any pause to end. */
  async acquireAttempt(signal: AbortSignal): Promise<boolean> {
    await this.throttle(signal);
    return this.#take(signal, () => this.#inFlight < this.#limit, () => this.#inFlight++);
  }

  releaseAttempt(): void {
    this.#inFlight--;
    this.#released.notify();
  }

  async #take(signal: AbortSignal, free: () => boolean, take: () => void): Promise<boolean> {
    while (!free()) {
      if (signal.aborted) return false;
      await wait(60_000, signal, this.#released.wait());
    }
    if (signal.aborted) return false;
    take();
    return true;
  }

  /** Waits while the destination asked for a pause. */
  async throttle(signal: AbortSignal): Promise<void> {
    for (let left = this.#pausedUntil - Date.now(); left > 0 && !signal.aborted; left = this.#pausedUntil - Date.now()) {
      await wait(left, signal);
    }
  }

  succeeded(): void {
    this.#remember(true);
    if (this.#limit < this.#max) {
      this.#limit++;
      this.#released.notify();
    }
  }

  /** A failed attempt; `pushBack` when the destination asked to be sent less (or timed out). */
  failed(pushBack: boolean, retryAfterMs: number | undefined): void {
    this.#remember(false);
    if (pushBack || this.#failureRate() > FAILURE_RATE_LIMIT) this.#limit = Math.max(1, Math.floor(this.#limit / 2));
    if (retryAfterMs !== undefined && retryAfterMs > 0) this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + retryAfterMs);
  }

  #remember(ok: boolean): void {
    this.#recent.push(ok);
    if (this.#recent.length > WINDOW) this.#recent.shift();
  }

  #failureRate(): number {
    // Too few attempts to call it a rate: a single early failure is not push-back.
    if (this.#recent.length < WINDOW / 2) return 0;
    return this.#recent.filter((ok) => !ok).length / this.#recent.length;
  }
}
