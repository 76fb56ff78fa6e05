import type pg from 'pg';
import { ConfigError } from '@ferry/sdk';
import { layoutVersionOf, type TableName } from '@ferry/outbox/schema';
import { SINK_COMMENT_PREFIX, SINK_LAYOUT_VERSION, sinkScript } from './ddl.js';

/** Creates the audit table (with `createTable`) or checks it exists, and that no newer Ferry made it. */
export async function prepareTable(pool: pg.Pool, table: TableName, options: { readonly createTable: boolean; readonly path: string; readonly database: string }): Promise<void> {
  const found = await pool.query<{ exists: boolean; partitioned: boolean; comment: string | null }>(
    "SELECT c.oid IS NOT NULL AS exists, coalesce(c.relkind = 'p', false) AS partitioned, obj_description(c.oid, 'pg_class') AS comment FROM (SELECT to_regclass($1) AS oid) r LEFT JOIN pg_class c ON c.oid = r.oid",
    [table.sql],
  );
  const { exists, partitioned, comment } = found.rows[0] ?? { exists: false, partitioned: false, comment: null };
  const version = layoutVersionOf(comment, SINK_COMMENT_PREFIX);
  if (version !== undefined && version > SINK_LAYOUT_VERSION) {
    throw new ConfigError(`${options.path}.table: table "${table.qualified}" has audit sink layout ${version}, newer than this exporter writes (${SINK_LAYOUT_VERSION}); upgrade @ferry/exporter-postgres`);
  }
  if (exists && !partitioned) {
    throw new ConfigError(`${options.path}.table: table "${table.qualified}" in ${options.database} is not a partitioned table, so it is not one this exporter made; name another table, or let it create one`);
  }
  if (!exists && !options.createTable) {
    throw new ConfigError(`${options.path}.table: table "${table.qualified}" does not exist in ${options.database}; set createTable: true to create it`);
  }
  // Idempotent: also adds bookkeeping tables a table made by an older version lacks.
  await pool.query(sinkScript(table));
}
