import type pg from 'pg';
import { ConfigError } from '@ferry/sdk';
import { layoutVersionOf, OUTBOX_COMMENT_PREFIX, OUTBOX_LAYOUT_VERSION, type TableName } from '@ferry/outbox/schema';

/**
 * Checks that the table is an outbox this receiver can read: it exists, was not made by
 * a newer Ferry, and has the columns a lease uses. Throws a ConfigError saying what to do.
 */
export async function checkOutbox(client: pg.Client, table: TableName, where: { readonly path: string; readonly database: string }): Promise<void> {
  const found = await client.query<{ exists: boolean; comment: string | null }>(
    "SELECT to_regclass($1) IS NOT NULL AS exists, obj_description(to_regclass($1), 'pg_class') AS comment",
    [table.sql],
  );
  const { exists, comment } = found.rows[0] ?? { exists: false, comment: null };
  if (!exists) {
    throw new ConfigError(`${where.path}: table "${table.qualified}" does not exist in ${where.database}; create it with migrate() from @ferry/outbox (its README shows how)`);
  }
  const version = layoutVersionOf(comment, OUTBOX_COMMENT_PREFIX);
  if (version !== undefined && version > OUTBOX_LAYOUT_VERSION) {
    throw new ConfigError(`${where.path}: table "${table.qualified}" has outbox layout ${version}, newer than this receiver reads (${OUTBOX_LAYOUT_VERSION}); upgrade @ferry/receiver-postgres`);
  }
  try {
    await client.query(`SELECT position, event_id, tenant_id, event, delivered_at, failure FROM ${table.sql} LIMIT 0`);
  } catch (error) {
    if ((error as { code?: string }).code !== '42703') throw error;
    throw new ConfigError(`${where.path}: table "${table.qualified}" is not an outbox this receiver reads (${(error as Error).message}); create it with migrate() from @ferry/outbox`);
  }
}
