import type { ComponentContext } from '@ferry/sdk';

/** What the receiver counts; each name is a counter under the component (`refused_signature`, …). */
export type RefusalCode =
  | 'refused_signature'
  | 'refused_stale'
  | 'refused_token'
  | 'refused_malformed'
  | 'refused_too_large'
  | 'refused_path'
  | 'refused_method'
  | 'refused_timeout'
  | 'refused_bad_request'
  | 'refused_backpressure'
  | 'refused_shutdown';

const WARN_EVERY_MS = 5_000;

/**
 * Counts every refusal and logs it at debug. Authentication failures are also warned
 * about, at most once per interval with how many there were, since a wrong secret on the
 * sender's side (or someone probing) would otherwise flood the log. Reasons never carry a
 * secret, and bodies appear only as a short sample.
 */
export class Refusals {
  readonly #ctx: Pick<ComponentContext<unknown>, 'telemetry' | 'logger'>;
  readonly #now: () => number;
  #warnedAt = Number.NEGATIVE_INFINITY;
  #unwarned = 0;

  constructor(ctx: Pick<ComponentContext<unknown>, 'telemetry' | 'logger'>, now: () => number = Date.now) {
    this.#ctx = ctx;
    this.#now = now;
  }

  record(code: RefusalCode, status: number, reason: string, remote: string | undefined): void {
    this.#ctx.telemetry.count(code);
    this.#ctx.logger.debug('webhook request refused', { status, reason, remote });
    if (status !== 401) return;
    this.#unwarned++;
    const now = this.#now();
    if (now - this.#warnedAt < WARN_EVERY_MS) return;
    this.#ctx.logger.warn('webhook delivery refused: not authenticated (check the sender\'s secret or token)', { reason, remote, refusedSinceLastWarning: this.#unwarned });
    this.#warnedAt = now;
    this.#unwarned = 0;
  }
}
