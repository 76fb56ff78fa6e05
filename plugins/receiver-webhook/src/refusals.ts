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

/** The warnings, each throttled on its own so that one cause never hides the other. */
const WARNINGS = {
  auth: 'webhook delivery refused: not authenticated (check the sender\'s secret or token)',
  // A stale timestamp is a clock problem far more often than a secret one: say so.
  skew: 'webhook delivery refused: its timestamp is too far from this machine\'s clock (clock skew or a replayed delivery)',
} as const;

/**
 * Counts every refusal and logs it at debug. Authentication failures and stale timestamps
 * are also warned about, each at most once per interval with how many there were, since a
 * wrong secret or a drifting clock on the sender's side (or someone probing) would
 * otherwise flood the log. Reasons never carry a secret, and bodies appear only as a short
 * sample.
 */
export class Refusals {
  readonly #ctx: Pick<ComponentContext<unknown>, 'telemetry' | 'logger'>;
  readonly #now: () => number;
  readonly #throttle = new Map<keyof typeof WARNINGS, { warnedAt: number; unwarned: number }>();

  constructor(ctx: Pick<ComponentContext<unknown>, 'telemetry' | 'logger'>, now: () => number = Date.now) {
    this.#ctx = ctx;
    this.#now = now;
  }

  record(code: RefusalCode, status: number, reason: string, remote: string | undefined): void {
    this.#ctx.telemetry.count(code);
    this.#ctx.logger.debug('webhook request refused', { status, reason, remote });
    if (status !== 401) return;
    const kind = code === 'refused_stale' ? 'skew' : 'auth';
    const throttle = this.#throttle.get(kind) ?? { warnedAt: Number.NEGATIVE_INFINITY, unwarned: 0 };
    this.#throttle.set(kind, throttle);
    throttle.unwarned++;
    const now = this.#now();
    if (now - throttle.warnedAt < WARN_EVERY_MS) return;
    this.#ctx.logger.warn(WARNINGS[kind], { reason, remote, refusedSinceLastWarning: throttle.unwarned });
    throttle.warnedAt = now;
    throttle.unwarned = 0;
  }
}
