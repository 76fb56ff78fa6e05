/**
 * What a PostgreSQL error means for the caller:
 * - `config`: the settings cannot work (wrong password, no such database, table or column,
 *   missing privilege); retrying does not help until someone changes them.
 * - `data`: this data can never be stored as it is (an invalid value).
 * - `transient`: the server or the network failed, or the transaction lost a race; retry.
 */
export type PgErrorKind = 'config' | 'data' | 'transient';

const CONFIG_CODES = new Set(['28P01', '28000', '3D000', '3F000', '42501', '42P01', '42703', '42704', '42883']);

export function classifyPgError(error: unknown): PgErrorKind {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code !== 'string') return 'transient'; // a socket error, a timeout, a closed connection
  if (CONFIG_CODES.has(code)) return 'config';
  // 22: data exception (a value PostgreSQL cannot take). 23514 (no partition for a row) is
  // transient: the partition is created and the insert retried.
  if (code.startsWith('22') || (code.startsWith('23') && code !== '23514' && code !== '23505')) return 'data';
  return 'transient';
}

/**
 * The database a connection string points at, for messages: `host:port/database as user`.
 * Never the password, nor any other parameter of the string.
 */
export function describeDatabase(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') return 'the configured database';
    const host = url.hostname || 'localhost';
    const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || '(default database)';
    const user = url.username ? ` as ${decodeURIComponent(url.username)}` : '';
    return `${host}:${url.port || '5432'}/${database}${user}`;
  } catch {
    return 'the configured database'; // the key=value form: not parsed here, so nothing of it is shown
  }
}

/** The layout version in a table comment written as `<prefix><version>: …`, if it has one. */
export function layoutVersionOf(comment: string | null | undefined, prefix: string): number | undefined {
  if (!comment?.startsWith(prefix)) return undefined;
  const version = Number.parseInt(comment.slice(prefix.length), 10);
  return Number.isInteger(version) ? version : undefined;
}
