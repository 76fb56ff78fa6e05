/**
 * The wait a `Retry-After` header asks for, in ms: delay-seconds or an HTTP-date
 * (RFC 9110 §10.2.3), never negative. Fractional seconds (`1.5`), which some servers send,
 * are taken as meant. Undefined when absent or unreadable, so a malformed header never
 * turns into "retry at once" or "wait forever".
 */
export function retryAfterMs(header: string | null | undefined, now: number = Date.now()): number | undefined {
  const value = header?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  // Every HTTP-date form starts with a day name; Date.parse alone would take "-1" or "2" for a year.
  if (!/^[A-Za-z]{3}/.test(value)) return undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The `Retry-After` a receiver answers with (delay-seconds): `retryAfterMs` rounded up to a
 * whole second, at least 1 (0 would invite a retry at once), `fallbackMs` when unknown.
 */
export function retryAfterHeader(retryAfterMs: number | undefined, fallbackMs = 1000): string {
  return String(Math.max(1, Math.ceil((retryAfterMs ?? fallbackMs) / 1000)));
}
