import type { ComponentContext } from '@ferry/sdk';

/** `12.3 s`: what a person reading the log wants, not milliseconds. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Keeps track of the time the receiver is not subscribed to the stream. Grantex does not
 * replay what it publishes meanwhile, so each such gap is a hole in what Ferry received:
 * it is warned about when it opens (a drop), while it lasts (each failed attempt) and when
 * it closes (with its length), and its time is counted as `disconnected_ms` as it passes,
 * so that metrics show an outage while it lasts. A clean start is no gap; a start that
 * takes several attempts is.
 */
export class Gaps {
  readonly #ctx: Pick<ComponentContext<unknown>, 'logger' | 'telemetry'>;
  readonly #now: () => number;
  /** When the current gap began; undefined while subscribed. */
  #since: number | undefined;
  /** The gap is one: a drop or a failed attempt happened (not only the start). */
  #interrupted = false;
  /** A stream was lost and the warning about it is still to be given. */
  #lostUnreported = false;
  #attempts = 0;
  /** Up to when the gap's time has been counted. */
  #countedUntil = 0;

  constructor(ctx: Pick<ComponentContext<unknown>, 'logger' | 'telemetry'>, now: () => number = Date.now) {
    this.#ctx = ctx;
    this.#now = now;
  }

  /** The receiver starts, not yet subscribed. */
  starting(): void {
    this.#since = this.#countedUntil = this.#now();
  }

  /** The open stream is gone (dropped, ended or stalled): a gap begins now. */
  lost(): void {
    this.#since = this.#countedUntil = this.#now();
    this.#interrupted = true;
    this.#lostUnreported = true;
  }

  /** The receiver waits `delayMs` before its next attempt, because of `cause`; `attempt` is the backoff's step (1 after a healthy connection). */
  retrying(cause: string, delayMs: number, attempt: number): void {
    const now = this.#now();
    this.#interrupted = true;
    this.#attempts++;
    this.#count(now);
    const fields = { cause, retryInMs: delayMs, attempt, notSubscribedMs: now - (this.#since ?? now) };
    if (this.#lostUnreported) {
      this.#lostUnreported = false;
      this.#ctx.logger.warn(`lost the Grantex event stream (${cause}); reconnecting in ${seconds(delayMs)}. Grantex does not replay events published until Ferry is subscribed again`, fields);
    } else {
      this.#ctx.logger.warn(`not subscribed to the Grantex event stream for ${seconds(fields.notSubscribedMs)}: ${cause}; retrying in ${seconds(delayMs)}`, fields);
    }
  }

  /**
   * Grantex answered the attempt that began at `attemptStartedAt`. Its 200 may come a whole
   * keepalive interval after it subscribed Ferry (with the first event or keepalive), so the
   * gap ends when that attempt began.
   */
  subscribed(attemptStartedAt: number, url: string): void {
    const since = this.#since ?? attemptStartedAt;
    this.#since = undefined;
    if (!this.#interrupted) {
      this.#ctx.logger.info('connected to the Grantex event stream', { url });
      return;
    }
    this.#count(attemptStartedAt);
    const notSubscribedMs = Math.max(0, attemptStartedAt - since);
    this.#ctx.logger.warn(
      `subscribed to the Grantex event stream again after ${seconds(notSubscribedMs)} without a subscription. Grantex does not replay events published in that time, so any are missing here; the webhook receiver (Grantex retries each delivery until it is acknowledged), or both receivers with the dedup processor, closes that hole`,
      { url, notSubscribedMs, attempts: this.#attempts },
    );
    this.#interrupted = false;
    this.#attempts = 0;
  }

  /** The receiver stops: the time of a gap still open is counted. */
  stopping(): void {
    if (this.#since !== undefined && this.#interrupted) this.#count(this.#now());
  }

  #count(until: number): void {
    const ms = Math.round(until - this.#countedUntil);
    if (ms > 0) this.#ctx.telemetry.count('disconnected_ms', ms);
    this.#countedUntil = Math.max(this.#countedUntil, until);
  }
}
