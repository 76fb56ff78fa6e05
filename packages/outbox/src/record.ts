import { inTransaction, run, type Queryable } from './client.js';
import { toOutboxEvent, type AuditEvent } from './audit-event.js';
import { DEFAULT_OUTBOX_TABLE, type OutboxOptions } from './migrate.js';
import { tableName, type TableName } from './schema/table.js';

/** recordAuditEvent was called outside a transaction: it wrote nothing. */
export class NotInTransactionError extends Error {
  override readonly name = 'NotInTransactionError';
}

const statements = new Map<string, string>();

function insertStatement(table: TableName): string {
  let sql = statements.get(table.sql);
  if (sql === undefined) {
    // $5 is text cast to json: the driver sends the library's text as it is (postgres.js
    // would serialize a string again for a json parameter), and PostgreSQL keeps it byte for byte.
    sql = `INSERT INTO ${table.sql} (event_id, event_type, tenant_id, schema_version, event) VALUES ($1::text, $2::text, $3::text, $4::int, $5::text::json)`;
    statements.set(table.sql, sql);
  }
  return sql;
}

/**
 * Writes one audit event into the outbox, inside the caller's transaction: it commits
 * with the change it describes, or not at all. `client` must have run `BEGIN` (pg) or be
 * the `sql` of `sql.begin(…)` (postgres.js); otherwise it throws NotInTransactionError and
 * writes nothing (a pool, or a client in autocommit, would commit the event on its own). Checks every required field first (AuditEventError lists the problems),
 * stamps the audit schema version, and returns the event id.
 */
export async function recordAuditEvent(client: Queryable, event: AuditEvent, options: OutboxOptions = {}): Promise<string> {
  const table = tableName(options.table ?? DEFAULT_OUTBOX_TABLE);
  const outbox = toOutboxEvent(event);
  if (!inTransaction(client)) {
    throw new NotInTransactionError(
      `recordAuditEvent must run inside the transaction of the change it records (a pg client that has run BEGIN, or the sql of postgres.js's sql.begin): event ${outbox.id} was not written`,
    );
  }
  await run(client, insertStatement(table), [outbox.id, outbox.type, outbox.data.tenantId, outbox.data.schemaVersion, JSON.stringify(outbox)]);
  return outbox.id;
}
