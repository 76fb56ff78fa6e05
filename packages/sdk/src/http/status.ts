import { ConfigError, PermanentError, RetryableError } from '../errors.js';
import { retryAfterMs } from './retry-after.js';

/** 408, 429 and every 5xx: trying the same request again later can succeed. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599);
}

/** 408, 429 and 503 ask to be sent less; another 5xx alone is a failure to retry, not push-back. */
export function isPushBackStatus(status: number): boolean {
  return status === 408 || status === 429 || status === 503;
}

/**
 * 401, 403, 404 and 405: the credentials, their permissions or the address are wrong — the
 * configuration, not the events. (A 404 from an ingest endpoint is a wrong URL or a missing
 * index or table, never a verdict on the batch.)
 */
export function isConfigStatus(status: number): boolean {
  return status === 401 || status === 403 || status === 404 || status === 405;
}

/**
 * The destination refused a request as too large (413). A PermanentError, so an exporter
 * that cannot split dead-letters what it holds; `sendInRequests` splits on it instead.
 */
export class RequestTooLargeError extends PermanentError {
  /** Marks it across copies of the SDK (its name stays PermanentError, which is what the host reads). */
  readonly requestTooLarge = true;
}

/** Whether an error is a RequestTooLargeError, also from another copy of the SDK. */
export function isRequestTooLarge(error: unknown): boolean {
  return error instanceof RequestTooLargeError || (typeof error === 'object' && error !== null && (error as { requestTooLarge?: unknown }).requestTooLarge === true);
}

export interface StatusErrorOptions {
  /** The answer's `Retry-After` header (seconds or an HTTP date), honoured on a retryable status. */
  readonly retryAfter?: string | null;
  readonly cause?: unknown;
  /** The time `Retry-After` dates are measured from (tests); default now. */
  readonly now?: number;
}

/**
 * What an HTTP status means for the host, as the error to throw — undefined for 2xx:
 * - 408, 429, 5xx: a RetryableError honouring Retry-After, with `pushBack` on 408, 429
 *   and 503 (the host then sends fewer requests at once);
 * - 413: a RequestTooLargeError (`sendInRequests` sends the request in halves);
 * - 401, 403, 404, 405: a ConfigError — the host keeps the events queued and marks the
 *   exporter failed until its config is fixed and reloaded, instead of dead-lettering
 *   every batch against a wrong key or URL;
 * - any other status (400, 422, …): a PermanentError — this content is refused for good,
 *   and its events are dead-lettered with `message`.
 *
 * `message` says what was sent where and what came back (`the Datadog intake (site
 * datadoghq.eu) answered 503: …`), never a credential. An exporter that knows better for
 * one status (a 400 its API uses for throttling) decides that one before calling this.
 */
export function statusError(status: number, message: string, options: StatusErrorOptions = {}): Error | undefined {
  if (status >= 200 && status <= 299) return undefined;
  const cause = options.cause === undefined ? {} : { cause: options.cause };
  if (isRetryableStatus(status)) {
    const wait = retryAfterMs(options.retryAfter, options.now);
    return new RetryableError(message, { pushBack: isPushBackStatus(status), ...(wait === undefined ? {} : { retryAfterMs: wait }), ...cause });
  }
  if (status === 413) return new RequestTooLargeError(message, cause);
  if (isConfigStatus(status)) return new ConfigError(message, cause);
  return new PermanentError(message, cause);
}
