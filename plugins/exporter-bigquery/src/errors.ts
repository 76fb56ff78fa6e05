import { ConfigError, PermanentError, RetryableError } from '@ferry/sdk';
import { isPushBackStatus, isRetryableStatus, RequestTooLargeError, retryAfterMs } from '@ferry/sdk/http';

/** What the client library rejects with: an ApiError from the API, or a fetch error from the network. */
interface ClientError {
  readonly code?: number | string;
  readonly message?: string;
  readonly errors?: ReadonlyArray<{ readonly reason?: string; readonly message?: string }>;
  readonly response?: { readonly headers?: Readonly<Record<string, string | undefined>> };
}

/** One entry of `insertErrors[].errors` in an insertAll response. */
export interface RowErrorDetail {
  readonly reason?: string;
  readonly location?: string;
  readonly message?: string;
}

/** Reasons BigQuery gives for trouble on its side or for pushing back: trying again later works. */
const RETRYABLE_REASONS = new Set(['backendError', 'internalError', 'rateLimitExceeded', 'quotaExceeded', 'timeout', 'serviceUnavailable']);

const asClientError = (error: unknown): ClientError => (typeof error === 'object' && error !== null ? (error as ClientError) : { message: String(error) });
const statusOf = (e: ClientError): number | undefined => (typeof e.code === 'number' ? e.code : undefined);
const reasonOf = (e: ClientError): string | undefined => e.errors?.find((x) => x.reason !== undefined)?.reason;

/** `403 accessDenied: Access Denied: Table …`, or the network error's code and message. */
function describe(e: ClientError): string {
  const status = statusOf(e);
  const reason = reasonOf(e);
  const head = [status ?? (typeof e.code === 'string' ? e.code : undefined), reason].filter((x) => x !== undefined).join(' ');
  const message = (e.message ?? '').trim();
  return head === '' ? message || 'unknown error' : message === '' ? head : `${head}: ${message}`;
}

/** Rate limits, quotas and an overloaded service ask for less; one backend error does not. */
function isPushBack(e: ClientError): boolean {
  const status = statusOf(e);
  const reason = reasonOf(e);
  return (status !== undefined && isPushBackStatus(status)) || reason === 'rateLimitExceeded' || reason === 'quotaExceeded';
}

function isRetryable(e: ClientError): boolean {
  const status = statusOf(e);
  const reason = reasonOf(e);
  if (status === undefined) return true; // no answer at all: the network, DNS, a reset
  return isRetryableStatus(status) || (reason !== undefined && RETRYABLE_REASONS.has(reason));
}

/** Whether the request was refused for its size (a proxy's 413, or BigQuery's own wording). */
function isTooLarge(e: ClientError): boolean {
  const status = statusOf(e);
  return status === 413 || (status === 400 && /payload size exceeds|too large/i.test(e.message ?? ''));
}

/**
 * A whole-request insertAll failure, as what the host should do with every row of the
 * request (a RequestTooLargeError when it was refused for its size, which `sendInRequests`
 * answers by sending halves).
 */
export function insertFailure(error: unknown, table: string): Error {
  const e = asClientError(error);
  const why = describe(e);
  if (isTooLarge(e)) return new RequestTooLargeError(`BigQuery refused the insert into ${table} as too large (${why})`, { cause: error });
  if (isRetryable(e)) {
    const wait = retryAfterMs(e.response?.headers?.['retry-after']);
    return new RetryableError(`BigQuery insert into ${table} failed (${why})`, { cause: error, pushBack: isPushBack(e), ...(wait === undefined ? {} : { retryAfterMs: wait }) });
  }
  // Credentials, permission, a missing table: the configuration, not the rows — a ConfigError, so the host holds the events until it is fixed.
  switch (statusOf(e)) {
    case 401:
      return new ConfigError(`BigQuery refused the credentials for an insert into ${table} (${why}); check Application Default Credentials or keyFilename`);
    case 403:
      return new ConfigError(`BigQuery refused the insert into ${table} (${why}); the credentials need bigquery.tables.updateData on it`);
    case 404:
      return new ConfigError(`BigQuery table ${table} does not exist (${why}); create it or set createTable: true`);
    default:
      return new PermanentError(`BigQuery refused the insert into ${table} (${why})`);
  }
}

/**
 * One row's outcome from `insertErrors`. "stopped" means the row was fine but not inserted
 * because another row of its request was invalid: retry it. Errors on BigQuery's side are
 * retried too; anything else is the row's own fault, and retrying it cannot help.
 */
export function rowFailure(details: readonly RowErrorDetail[], eventId: string): Error {
  const own = details.find((d) => d.reason !== 'stopped');
  if (own === undefined) return new RetryableError(`BigQuery did not insert event ${eventId} because another row of its request was invalid (stopped)`);
  const where = own.location ? ` at ${own.location}` : '';
  const message = `BigQuery refused event ${eventId} (${own.reason ?? 'invalid'}${where}): ${own.message ?? 'no message'}`;
  return own.reason !== undefined && RETRYABLE_REASONS.has(own.reason) ? new RetryableError(message) : new PermanentError(message);
}

/** What start makes of a failed tables.get: a configuration to fix, or a destination to wait for. */
export function checkFailure(error: unknown, table: string): Error {
  const e = asClientError(error);
  const why = describe(e);
  if (isRetryable(e)) return new RetryableError(`cannot check BigQuery table ${table} (${why})`, { cause: error });
  switch (statusOf(e)) {
    case 404:
      return /dataset/i.test(e.message ?? '')
        ? new ConfigError(`the dataset of BigQuery table ${table} does not exist (${why}): create the dataset, then the table (see the README's DDL) or set createTable: true`)
        : new ConfigError(`BigQuery table ${table} does not exist (${why}): create it (see the README's DDL) or set createTable: true (needs bigquery.tables.create)`);
    case 401:
      return new ConfigError(`BigQuery refused the credentials checking table ${table} (${why}); check Application Default Credentials or keyFilename`);
    case 403:
      return new ConfigError(`BigQuery refused access to table ${table} (${why}): the credentials need bigquery.tables.get (this check) and bigquery.tables.updateData (inserts) on it, e.g. roles/bigquery.dataEditor`);
    default:
      return new ConfigError(`BigQuery refused the check of table ${table} (${why})`);
  }
}

/** What start makes of a failed tables.insert (createTable). */
export function createFailure(error: unknown, table: string): Error {
  const e = asClientError(error);
  const why = describe(e);
  if (isRetryable(e)) return new RetryableError(`cannot create BigQuery table ${table} (${why})`, { cause: error });
  if (statusOf(e) === 401 || statusOf(e) === 403) {
    return new ConfigError(`BigQuery refused to create table ${table} (${why}): createTable needs bigquery.tables.create on the dataset, e.g. roles/bigquery.dataEditor`);
  }
  if (statusOf(e) === 404) return new ConfigError(`cannot create BigQuery table ${table}: its dataset does not exist (${why})`);
  return new ConfigError(`BigQuery refused to create table ${table} (${why})`);
}
