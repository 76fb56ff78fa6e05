import { derivedBare, derivedName, inSchema, type TableName } from '@ferry/outbox/schema';

/** The sink table's layout version, in its comment (`ferry-audit-sink 1`); a newer one is refused. */
export const SINK_LAYOUT_VERSION = 1;
export const SINK_COMMENT_PREFIX = 'ferry-audit-sink ';

/** The bookkeeping tables of `requireArchivedBy` (see archive-watch.ts). */
export function bookkeeping(table: TableName): { readonly watch: string; readonly unproven: string } {
  return { watch: inSchema(table, 'archive_watch'), unproven: inSchema(table, 'archive_unproven') };
}

/** An advisory lock key pair for this table's partition changes (creation, retention), shared by every Ferry instance. */
export function partitionLock(table: TableName): string {
  return `pg_advisory_xact_lock(hashtext('ferry_audit_sink'), hashtext('${table.qualified}'))`;
}

/**
 * The audit table and its bookkeeping, created idempotently as one script. The primary key
 * holds the partition key (PostgreSQL requires it): an event is one row per (id, instant),
 * and a retried batch inserts nothing new.
 */
export function sinkScript(table: TableName): string {
  const { watch, unproven } = bookkeeping(table);
  return [
    `SELECT ${partitionLock(table)}`,
    `CREATE SCHEMA IF NOT EXISTS "${table.schema}"`,
    `CREATE TABLE IF NOT EXISTS ${table.sql} (
      event_id text NOT NULL,
      created_at timestamptz NOT NULL,
      event_type text NOT NULL,
      tenant_id text,
      session_id text,
      grant_id text,
      actor text,
      outcome text,
      source_ip text,
      request_id text,
      schema_version integer,
      event jsonb NOT NULL,
      envelope_version integer,
      chain_writer text,
      chain_seq bigint,
      chain_prev text,
      chain_hash text,
      log_id text NOT NULL,
      log_pipeline text NOT NULL,
      log_seq bigint NOT NULL,
      inserted_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT ${derivedName(table, 'pkey')} PRIMARY KEY (event_id, created_at)
    ) PARTITION BY RANGE (created_at)`,
    `COMMENT ON TABLE ${table.sql} IS '${SINK_COMMENT_PREFIX}${SINK_LAYOUT_VERSION}: audit events written by Ferry''s postgres exporter, one partition per UTC day'`,
    `CREATE INDEX IF NOT EXISTS ${derivedName(table, 'tenant_idx')} ON ${table.sql} (tenant_id, created_at)`,
    `CREATE INDEX IF NOT EXISTS ${derivedName(table, 'grant_idx')} ON ${table.sql} (grant_id)`,
    `CREATE TABLE IF NOT EXISTS ${watch} (
      log_id text NOT NULL,
      pipeline text NOT NULL,
      exporter text NOT NULL,
      origin bigint NOT NULL,
      committed bigint NOT NULL,
      dead_lettered bigint NOT NULL,
      lost bigint NOT NULL,
      observed_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (log_id, pipeline, exporter)
    )`,
    `CREATE TABLE IF NOT EXISTS ${unproven} (
      log_id text NOT NULL,
      pipeline text NOT NULL,
      exporter text NOT NULL,
      from_seq bigint NOT NULL,
      to_seq bigint NOT NULL,
      reason text NOT NULL,
      observed_at timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE INDEX IF NOT EXISTS ${derivedName(table, 'archive_unproven_idx')} ON ${unproven} (log_id, pipeline, exporter, from_seq)`,
  ].join(';\n');
}

/** The partition of one UTC day (`2026-03-01`), unquoted and quoted. */
export function partitionName(table: TableName, day: string): { readonly bare: string; readonly sql: string } {
  const suffix = `p${day.replaceAll('-', '')}`;
  return { bare: derivedBare(table, suffix), sql: `"${table.schema}".${derivedName(table, suffix)}` };
}

/** The day a partition name stands for, if it is one of ours. */
export function dayOfPartition(table: TableName, bare: string): string | undefined {
  const match = /_p(\d{4})(\d{2})(\d{2})$/.exec(bare);
  if (match === null || bare !== partitionName(table, `${match[1]}-${match[2]}-${match[3]}`).bare) return undefined;
  return `${match[1]}-${match[2]}-${match[3]}`;
}

export function createPartition(table: TableName, day: string): string {
  const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return `CREATE TABLE IF NOT EXISTS ${partitionName(table, day).sql} PARTITION OF ${table.sql} FOR VALUES FROM ('${day} 00:00:00+00') TO ('${next} 00:00:00+00')`;
}
