/** Capped exponential backoff with full jitter, never below the server's `retry:` or Retry-After. */
export function reconnectDelay(attempt: number, initialMs: number, maxMs: number, floorMs = 0, random: () => number = Math.random): number {
  const cap = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(floorMs, Math.round(random() * cap));
}

/** Retry-After in ms from its header (seconds or an HTTP date). */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
