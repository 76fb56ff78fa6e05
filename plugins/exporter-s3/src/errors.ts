import { ConfigError, PermanentError, RetryableError } from '@ferry/sdk';

interface SdkError {
  readonly name?: string;
  readonly code?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $response?: { readonly headers?: Record<string, string> };
}

const THROTTLED = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException', 'RequestTimeout', 'RequestTimeTooSkewed', 'InternalError', 'ServiceUnavailable']);
const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'TimeoutError', 'AbortError']);

function retryAfter(error: SdkError): number | undefined {
  const header = error.$response?.headers?.['retry-after'];
  const seconds = header === undefined ? NaN : Number(header);
  return Number.isFinite(seconds) ? seconds * 1000 : undefined;
}

/**
 * What an S3 error means for the host: throttling, 5xx and network trouble are retried;
 * a missing bucket, a refused permission or bad credentials are not, and say which bucket
 * and which IAM action (never the credentials).
 */
export function classify(error: unknown, bucket: string, action: string): Error {
  const e = (error ?? {}) as SdkError;
  const name = e.name ?? e.code ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const why = `${name}${status ? ` (${status})` : ''}`;
  if (name === 'NoSuchBucket') return new PermanentError(`bucket "${bucket}" does not exist`);
  if (name === 'AccessDenied' || status === 403 || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch') {
    return new PermanentError(`${action} was refused on bucket "${bucket}": ${why}; check the credentials and that the IAM policy allows ${action} on arn:aws:s3:::${bucket}/*`);
  }
  if (THROTTLED.has(name) || status === 429 || status === 408 || (status !== undefined && status >= 500)) {
    const wait = retryAfter(e);
    return new RetryableError(`S3 answered ${why} for bucket "${bucket}"`, { cause: error, ...(wait === undefined ? {} : { retryAfterMs: wait }) });
  }
  if (NETWORK.has(name) || NETWORK.has(e.code ?? '') || status === undefined) {
    return new RetryableError(`cannot reach S3 for bucket "${bucket}": ${e.message ?? name}`, { cause: error });
  }
  return new PermanentError(`S3 refused the object for bucket "${bucket}": ${why}: ${e.message ?? ''}`.trim());
}

/** The start check's verdict: permission and bucket problems stop the collector; others only warn. */
export function startProblem(error: unknown, bucket: string): Error {
  const classified = classify(error, bucket, 's3:PutObject');
  return classified instanceof PermanentError ? new ConfigError(classified.message) : classified;
}
