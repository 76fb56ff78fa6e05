import { ConfigError, PermanentError, RetryableError } from '@ferry/sdk';

/** What the intake answered to one request, reduced to what classification needs. */
export interface IntakeAnswer {
  readonly status: number;
  readonly retryAfter: string | null;
  /** The response body, flattened and shortened, with the API key blanked out. */
  readonly reason: string;
}

/** What the exporter does with an answer. */
export type Verdict =
  | { readonly kind: 'delivered' }
  /** 413: the request was too large for the intake (or a proxy in front of it). */
  | { readonly kind: 'too-large'; readonly reason: string }
  /**
   * Retryable, or a refused key: sending the rest of the batch now would meet the same
   * answer, so the exporter stops and reports every unsent entry with this error.
   */
  | { readonly kind: 'halt'; readonly error: Error }
  /** Refused for this request's content (400): the other requests may still go. */
  | { readonly kind: 'refused'; readonly error: Error };

/** Where a request went and which option holds the key, for messages. */
export interface Place {
  /** `site datadoghq.eu` or `endpoint proxy:8080`. */
  readonly destination: string;
  /** The config path of the key: `exporters.<id>.apiKey`. */
  readonly keyOption: string;
}

const because = (reason: string) => (reason ? `: ${reason}` : '');

/** Retry-After is either seconds or an HTTP date. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * 2xx is success (the intake answers 202); 413 asks for a split; 408, 429 and 5xx are
 * retried honouring Retry-After; 401 and 403 mean the key is wrong for where it was sent (a ConfigError);
 * anything else (400 above all) is the destination refusing this content for good.
 */
export function classify(answer: IntakeAnswer, place: Place): Verdict {
  const { status, reason } = answer;
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 413) return { kind: 'too-large', reason };
  if (status === 408 || status === 429 || status >= 500) {
    const wait = retryAfterMs(answer.retryAfter);
    const message = `the Datadog intake (${place.destination}) answered ${status}${because(reason)}`;
    // 408, 429 and 503 ask for less; another 5xx alone is a failure to retry, not push-back.
    const pushBack = status === 408 || status === 429 || status === 503;
    return { kind: 'halt', error: new RetryableError(message, { pushBack, ...(wait === undefined ? {} : { retryAfterMs: wait }) }) };
  }
  if (status === 401 || status === 403) {
    // The key, not the content: a ConfigError, so Ferry's status shows the exporter failed for good (its events are dead-lettered as for any permanent error).
    return { kind: 'halt', error: new ConfigError(keyRefused(status, reason, place)) };
  }
  return { kind: 'refused', error: new PermanentError(`the Datadog intake (${place.destination}) refused the logs with ${status}${because(reason)}`) };
}

export function keyRefused(status: number, reason: string, place: Place): string {
  return `Datadog refused the API key sent to ${place.destination} (${status}${because(reason)}): check ${place.keyOption} — an API key (not an application key) of the organisation on that site`;
}

/**
 * A request that got no answer. It may or may not have arrived, and sending it again is
 * the safe side: treating a reset connection as permanent would drop logs.
 */
export function unreachable(error: unknown, place: Place, timeoutMs: number, signal: AbortSignal): RetryableError {
  const name = (error as { name?: unknown } | null)?.name;
  let why: string;
  if (signal.aborted) why = 'the attempt was aborted (timed out or the collector is stopping)';
  else if (name === 'TimeoutError') why = `no answer within ${timeoutMs} ms (requestTimeoutMs)`;
  else why = describeNetworkError(error);
  return new RetryableError(`cannot reach the Datadog intake (${place.destination}): ${why}`, { cause: error });
}

/** fetch says only "fetch failed"; the cause says what happened (ECONNRESET, ECONNREFUSED, …). */
export function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const message = typeof cause?.message === 'string' ? cause.message : error instanceof Error ? error.message : String(error);
  return code !== undefined && !message.includes(code) ? `${code} ${message}` : message;
}

/** A response body as one short line, never repeating the key (a proxy may echo headers). */
export async function readReason(response: Response, apiKey: string): Promise<string> {
  const text = (await response.text().catch(() => '')).split(apiKey).join('[redacted]').replace(/\s+/g, ' ').trim();
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
