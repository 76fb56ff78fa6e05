import { ConfigError, PermanentError, RetryableError } from '@ferry/sdk';
import { isPushBackStatus, isRetryableStatus, retryAfterMs } from '@ferry/sdk/http';

/** The shape of the AWS SDK's errors (service exceptions and the HTTP handler's network errors). */
interface SdkError {
  readonly name?: string;
  readonly code?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $response?: { readonly headers?: Record<string, string | undefined> };
}

/** What a request was doing, for messages that say what to fix. */
export interface RequestTarget {
  readonly bucket: string;
  readonly region: string;
  /** The IAM action the request needs: `s3:PutObject`. */
  readonly action: string;
}

// S3 asks to slow down, or had a passing problem on its side. RequestTimeTooSkewed is here
// too: the SDK corrects its clock offset from the failed answer, so the next attempt passes.
// BadDigest and IncompleteBody mean the body was damaged or cut in transit. ExpiredToken:
// temporary credentials (roles, IRSA, SSO) ran out between signing and arrival; the
// default chain refreshes them for the next attempt.
const TRANSIENT = new Set([
  'SlowDown', 'Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException', 'RequestTimeout',
  'RequestTimeTooSkewed', 'InternalError', 'ServiceUnavailable', 'OperationAborted', 'BadDigest', 'IncompleteBody', 'KMS.ThrottlingException',
  'ExpiredToken', 'TokenRefreshRequired',
]);
const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'TimeoutError', 'AbortError']);
const CREDENTIALS = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken']);
const WRONG_REGION = new Set(['PermanentRedirect', 'AuthorizationHeaderMalformed', 'IllegalLocationConstraintException']);

// S3's own messages hold no secrets, but an access key id (not secret, still an identifier
// of the credential) can appear in a proxy's or a compatible store's text: it is cut out.
const redact = (text: string) => text.replace(/\b(?:AKIA|ASIA|AIDA|AROA)[A-Z0-9]{12,}\b/g, '[access key id]');

/** S3's ways of asking to be sent less. */
const THROTTLED = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException']);

/**
 * What an S3 error means for the host: throttling, 5xx and network trouble are retried
 * (honouring Retry-After, pushing back on throttling, 408, 429 and 503); a missing bucket,
 * a refused permission, bad credentials or a wrong region are ConfigErrors — the host holds
 * the events queued until the config is fixed, never dead-letters the archive for them —
 * and say which bucket and which IAM action, never a credential. Only an object S3 refuses
 * for its content is a PermanentError.
 */
export function classify(error: unknown, target: RequestTarget): Error {
  const e = (error ?? {}) as SdkError;
  const name = e.name ?? e.code ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const why = `${name}${status ? ` (${status})` : ''}`;
  const { bucket, action } = target;
  if (name === 'NoSuchBucket') return new ConfigError(`bucket "${bucket}" does not exist`);
  if (TRANSIENT.has(name) || (status !== undefined && isRetryableStatus(status))) {
    const wait = retryAfterMs(e.$response?.headers?.['retry-after']);
    return new RetryableError(`S3 answered ${why} for bucket "${bucket}"`, { cause: error, pushBack: THROTTLED.has(name) || (status !== undefined && isPushBackStatus(status)), ...(wait === undefined ? {} : { retryAfterMs: wait }) });
  }
  if (CREDENTIALS.has(name)) {
    return new ConfigError(`${action} on bucket "${bucket}" was refused: ${why}; the credentials found by the AWS SDK's default chain are not valid for this endpoint`);
  }
  if (name.startsWith('KMS.') || (name === 'AccessDenied' && /\bkms\b/i.test(e.message ?? ''))) {
    return new ConfigError(`${action} on bucket "${bucket}" was refused by KMS: ${why}; the IAM policy must allow kms:GenerateDataKey on the bucket's (or kmsKeyId's) key, and the key must be enabled`);
  }
  if (name === 'AccessDenied' || status === 403) {
    return new ConfigError(`${action} was refused on bucket "${bucket}": ${why}; check the credentials and that the IAM policy allows ${action} on arn:aws:s3:::${bucket}/*`);
  }
  if (WRONG_REGION.has(name) || status === 301) {
    return new ConfigError(`bucket "${bucket}" is not in region "${target.region}" (${why}${e.message ? `: ${redact(e.message)}` : ''}); set region to the bucket's`);
  }
  if (name === 'CredentialsProviderError') {
    // Nothing in the chain answered (or an instance metadata service did not, this time).
    return new RetryableError(`no AWS credentials for bucket "${bucket}": ${redact(e.message ?? name)}`, { cause: error });
  }
  if (status === undefined || NETWORK.has(name) || NETWORK.has(e.code ?? '')) {
    return new RetryableError(`cannot reach S3 for bucket "${bucket}": ${redact(e.message ?? name)}`, { cause: error });
  }
  return new PermanentError(`S3 refused the object for bucket "${bucket}": ${why}${e.message ? `: ${redact(e.message)}` : ''}`);
}

/** The start check's verdict: permission, credential and bucket problems stop the collector; the rest only warns. */
export function startProblem(error: unknown, target: RequestTarget): Error {
  const classified = classify(error, target);
  return classified instanceof PermanentError ? new ConfigError(classified.message) : classified;
}
