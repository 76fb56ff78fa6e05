/** A `pg` client, pool client or pool (node-postgres). */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
  /** pg ≥ 8.23 clients: `T` inside a transaction block, `I` outside, `E` in a failed one. */
  getTransactionStatus?(): string | null;
}

/** A `postgres` (postgres.js) connection or the `sql` of `sql.begin(async (sql) => …)`. */
export interface PostgresJsQueryable {
  unsafe(text: string, values?: unknown[]): PromiseLike<unknown[]> & { simple?(): PromiseLike<unknown[]> };
  /** Present only on the `sql` a `sql.begin` callback receives. */
  savepoint?: unknown;
}

/** Either driver: the library needs only to run SQL text with parameters. */
export type Queryable = PgQueryable | PostgresJsQueryable;

/** Runs one parameterized statement on either driver and returns its rows. */
export async function run<Row>(client: Queryable, text: string, values: unknown[]): Promise<Row[]> {
  if ('unsafe' in client && typeof client.unsafe === 'function') return (await client.unsafe(text, values)) as Row[];
  if ('query' in client && typeof client.query === 'function') return (await client.query(text, values)).rows as Row[];
  throw new TypeError('expected a pg client (with query()) or a postgres.js sql (with unsafe())');
}

/** Runs a script of several statements (no parameters) as one implicit transaction. */
export async function runScript(client: Queryable, script: string): Promise<void> {
  if ('unsafe' in client && typeof client.unsafe === 'function') {
    const query = client.unsafe(script);
    // postgres.js sends several statements only over the simple protocol.
    await (query.simple ? query.simple() : query);
    return;
  }
  if ('query' in client && typeof client.query === 'function') {
    await client.query(script);
    return;
  }
  throw new TypeError('expected a pg client (with query()) or a postgres.js sql (with unsafe())');
}

/**
 * Whether the client is inside a transaction block, as its driver knows it: a pg client
 * from the status of the server's last ReadyForQuery, a postgres.js `sql` from being the
 * one `sql.begin` handed out. A pg pool never is (each query may take another connection).
 */
export function inTransaction(client: Queryable): boolean {
  if ('unsafe' in client && typeof client.unsafe === 'function') return typeof (client as PostgresJsQueryable).savepoint === 'function';
  const pgClient = client as PgQueryable;
  return typeof pgClient.getTransactionStatus === 'function' && pgClient.getTransactionStatus() === 'T';
}
