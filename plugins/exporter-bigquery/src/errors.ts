import { ConfigError, PermanentError, RetryableError } from '@ferry/sdk';

interface ApiError {
  readonly code?: number | string;
  readonly message?: string;
  readonly errors?: ReadonlyArray<{ readonly reason?: string; readonly message?: string }>;
  readonly response?: { readonly headers?: Record<string, string> };
}

const RETRYABLE_REASONS = new Set(['backendError', 'rateLimitExceeded', 'internalError', 'timeout', 'quotaExceeded']);

function reasonOf(error: ApiError): string | undefined {
  return error.errors?.[0]?.reason;
}

/** A whole-request error: what the host should do with every row of the request. */
export function classify(error: unknown, table: string): Error {
  const e = (error ?? {}) as ApiError;
  const status = typeof e.code === 'number' ? e.code : undefined;
  const reason = reasonOf(e);
  const why = `${status ?? e.code ?? 'error'}${reason ? ` ${reason}` : ''}: ${e.message ?? ''}`.trim();
  if (status === 401 || status === 403) {
    return new PermanentError(`BigQuery refused the insert into ${table} (${why}); the credentials need bigquery.tables.updateData on it`);
  }
  if (status === 404) return new PermanentError(`BigQuery table ${table} does not exist (${why})`);
  if (status === undefined || status === 408 || status === 429 || status >= 500 || (reason !== undefined && RETRYABLE_REASONS.has(reason))) {
    const header = e.response?.headers?.['retry-after'];
    const seconds = header === undefined ? NaN : Number(header);
    return new RetryableError(`BigQuery insert into ${table} failed (${why})`, { cause: error, ...(Number.isFinite(seconds) ? { retryAfterMs: seconds * 1000 } : {}) });
  }
  return new PermanentError(`BigQuery refused the insert into ${table} (${why})`);
}

/** The start check's verdict on tables.get. */
export function startProblem(error: unknown, table: string): Error {
  const e = (error ?? {}) as ApiError;
  if (e.code === 404) return new ConfigError(`BigQuery table ${table} does not exist: create it (see the DDL in the README) or set createTable: true (needs bigquery.tables.create)`);
  if (e.code === 401 || e.code === 403) return new ConfigError(`BigQuery refused access to table ${table}: the credentials need bigquery.tables.get and bigquery.tables.updateData on it`);
  return new RetryableError(`cannot reach BigQuery to check table ${table}: ${e.message ?? String(error)}`);
}
