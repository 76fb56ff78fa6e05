export interface RetryPolicy {
  readonly initialIntervalMs: number;
  readonly maxIntervalMs: number;
  readonly multiplier: number;
  /** 0: never give up on retryable errors. */
  readonly maxElapsedMs: number;
}

/**
 * The wait before attempt `attempt + 1`: exponential, capped, with "equal jitter" (half
 * fixed, half random) so many batches failing together do not retry in lockstep, and never
 * shorter than what the destination asked for.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxIntervalMs, policy.initialIntervalMs * policy.multiplier ** Math.max(0, attempt - 1));
  const jittered = exponential / 2 + random() * (exponential / 2);
  return Math.round(Math.max(jittered, retryAfterMs ?? 0));
}
