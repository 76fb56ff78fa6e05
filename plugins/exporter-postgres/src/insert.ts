import type pg from 'pg';
import type { TableName } from '@ferry/outbox/schema';
import type { Row } from './encode.js';

/** Columns and their array types, in the order `unnest` reads them. */
const COLUMNS: ReadonlyArray<readonly [string, string, (row: Row) => unknown]> = [
  ['event_id', 'text', (r) => r.eventId],
  ['created_at', 'timestamptz', (r) => r.createdAt],
  ['event_type', 'text', (r) => r.eventType],
  ['tenant_id', 'text', (r) => r.tenantId],
  ['session_id', 'text', (r) => r.sessionId],
  ['grant_id', 'text', (r) => r.grantId],
  ['actor', 'text', (r) => r.actor],
  ['outcome', 'text', (r) => r.outcome],
  ['source_ip', 'text', (r) => r.sourceIp],
  ['request_id', 'text', (r) => r.requestId],
  ['schema_version', 'int', (r) => r.schemaVersion],
  ['event', 'text', (r) => r.event],
  ['envelope_version', 'int', (r) => r.envelopeVersion],
  ['chain_writer', 'text', (r) => r.chainWriter],
  ['chain_seq', 'bigint', (r) => r.chainSeq],
  ['chain_prev', 'text', (r) => r.chainPrev],
  ['chain_hash', 'text', (r) => r.chainHash],
  ['log_id', 'text', (r) => r.logId],
  ['log_pipeline', 'text', (r) => r.logPipeline],
  ['log_seq', 'bigint', (r) => r.logSeq],
];

const statements = new Map<string, string>();

/**
 * One multi-row INSERT from arrays (`unnest`): one statement and one round trip whatever
 * the batch size, and no limit on parameters. ON CONFLICT DO NOTHING makes a retried or
 * doubled event a no-op, so the table holds each event once.
 */
function statement(table: TableName): string {
  let sql = statements.get(table.sql);
  if (sql === undefined) {
    const names = COLUMNS.map(([name]) => name);
    const select = names.map((name) => (name === 'event' ? 'event::jsonb' : name));
    const arrays = COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`);
    sql = `INSERT INTO ${table.sql} (${names.join(', ')}) SELECT ${select.join(', ')} FROM unnest(${arrays.join(', ')}) AS r(${names.join(', ')}) ON CONFLICT (event_id, created_at) DO NOTHING`;
    statements.set(table.sql, sql);
  }
  return sql;
}

/** Inserts the rows; resolves with how many were new (the rest were already there). */
export async function insertRows(pool: pg.Pool, table: TableName, rows: readonly Row[]): Promise<number> {
  const result = await pool.query(statement(table), COLUMNS.map(([, , value]) => rows.map(value)));
  return result.rowCount ?? 0;
}
