import { RetryableError } from '../errors.js';

/**
 * An error's message followed by its causes. fetch reports every network failure as "fetch
 * failed" and a body cut short as "terminated"; what happened (ECONNREFUSED, a reset, a DNS
 * failure, the other side closing) is only in the `cause` chain.
 */
export function describeNetworkError(error: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  // Bounded: a cause chain may loop.
  for (let current = error; current !== undefined && current !== null && !seen.has(current) && parts.length < 5; current = causeOf(current)) {
    seen.add(current);
    const part = describeOne(current);
    if (part !== '' && !parts.some((earlier) => earlier.includes(part))) parts.push(part);
  }
  return parts.length > 0 ? parts.join(': ') : 'unknown error';
}

function causeOf(error: unknown): unknown {
  return error instanceof Error ? error.cause : undefined;
}

function describeOne(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // Trying several addresses (IPv6 and IPv4, say) fails with each one's error and an empty message.
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map(describeOne).join('; ');
  const code = (error as NodeJS.ErrnoException).code;
  return typeof code === 'string' && !error.message.includes(code) ? `${error.message} (${code})`.trim() : error.message;
}

/**
 * A request that got no answer (refused, reset, timed out, aborted) as a RetryableError:
 * it may or may not have arrived, and sending it again is the safe side — treating a reset
 * as permanent would drop events. `destination` names where it went (never a credential);
 * `signal` is the attempt's (aborted: the host gave up waiting); `timeout` names the
 * request timeout for a TimeoutError (`30000 ms (requestTimeoutMs)`).
 */
export function unreachable(destination: string, error: unknown, options: { readonly signal?: AbortSignal; readonly timeout?: string } = {}): RetryableError {
  const name = (error as { name?: unknown } | null)?.name;
  let why: string;
  if (options.signal?.aborted) why = 'the attempt was aborted (timed out or the collector is stopping)';
  else if (name === 'TimeoutError') why = `no answer within ${options.timeout ?? 'the request timeout'}`;
  else why = describeNetworkError(error);
  return new RetryableError(`cannot reach ${destination}: ${why}`, { cause: error });
}
