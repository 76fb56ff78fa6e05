import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describeDatabase } from '../schema/pg-errors.js';

/** Where the tests' PostgreSQL is: `FERRY_TEST_POSTGRES_URL`, else the local one (trust auth, database `test`). */
export const TEST_POSTGRES_URL = process.env.FERRY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A schema of its own for one test file, dropped with everything in it at the end. */
export interface TestSchema {
  readonly url: string;
  readonly schema: string;
  /** `schema.name`, for the `table` options. */
  table(name: string): string;
  /** A connected client for the test's own queries (autocommit). */
  readonly client: pg.Client;
  /** Another connected client (ended by `drop`). */
  connect(): Promise<pg.Client>;
  /** Drops the schema and ends every client this made. */
  drop(): Promise<void>;
}

/**
 * Creates a fresh schema. Throws, naming the server and what to do, when PostgreSQL is not
 * reachable: the tests that need it fail loudly rather than skip, in CI and locally.
 */
export async function testSchema(label: string): Promise<TestSchema> {
  const url = TEST_POSTGRES_URL;
  const clients: pg.Client[] = [];
  const connect = async () => {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
    } catch (error) {
      throw new Error(
        `these tests need PostgreSQL, which is not reachable at ${describeDatabase(url)} (${(error as Error).message}); start it (127.0.0.1:5432, trust auth, database "test") or set FERRY_TEST_POSTGRES_URL`,
        { cause: error },
      );
    }
    client.on('error', () => undefined); // a test that kills the server's side of a connection handles it
    clients.push(client);
    return client;
  };
  const client = await connect();
  const schema = `ferry_test_${label.replace(/[^a-z0-9_]/g, '_')}_${randomBytes(4).toString('hex')}`;
  await client.query(`CREATE SCHEMA "${schema}"`);
  return {
    url,
    schema,
    table: (name) => `${schema}.${name}`,
    client,
    connect,
    async drop() {
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
      }
    },
  };
}
