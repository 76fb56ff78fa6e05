/** Capped exponential backoff with full jitter, never below the server's `retry:` or Retry-After. */
export function reconnectDelay(attempt: number, initialMs: number, maxMs: number, floorMs = 0, random: () => number = Math.random): number {
  const cap = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(floorMs, Math.round(random() * cap));
}
