/**
 * An error's message followed by its causes. fetch reports every network failure as "fetch
 * failed" and a body cut short as "terminated"; what happened (ECONNREFUSED, a reset, a DNS
 * failure, the other side closing) is only in the `cause` chain.
 */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  // Bounded: a cause chain may loop.
  for (let current = error; current !== undefined && current !== null && !seen.has(current) && parts.length < 5; current = causeOf(current)) {
    seen.add(current);
    const part = describeOne(current);
    if (part !== '') parts.push(part);
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
