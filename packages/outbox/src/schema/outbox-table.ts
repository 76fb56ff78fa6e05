import { derivedBare, derivedName, digest, inSchema, type TableName } from './table.js';

/**
 * The outbox table's layout version, kept in the table's comment (`ferry-outbox 1`). A
 * reader that finds a newer one refuses the table rather than guess at its columns.
 */
export const OUTBOX_LAYOUT_VERSION = 1;
export const OUTBOX_COMMENT_PREFIX = 'ferry-outbox ';

/**
 * The channel the outbox's insert trigger notifies and the receiver listens on:
 * `ferry_outbox.<schema>.<table>`, or a digest of it past PostgreSQL's 63 bytes.
 */
export function notifyChannel(table: TableName): string {
  const channel = `ferry_outbox.${table.qualified}`;
  return channel.length <= 63 ? channel : `ferry_outbox.${digest(table.qualified, 32)}`;
}

/** Rows still to be read: not marked delivered, not set aside as unreadable. */
export const PENDING = 'delivered_at IS NULL AND failure IS NULL';

/**
 * The outbox, created idempotently as one script (run as one implicit transaction, behind
 * an advisory lock, so applications starting together cannot race). `position` orders
 * rows for reading only: it is taken at insert, so transactions commit out of its order,
 * and the reader never relies on it to tell what it has seen.
 */
export function outboxScript(table: TableName, options: { readonly notify: boolean }): string {
  const channel = notifyChannel(table).replaceAll("'", "''");
  const fn = inSchema(table, 'notify');
  const statements = [
    `SELECT pg_advisory_xact_lock(hashtext('ferry_outbox_migrate'), hashtext('${table.qualified}'))`,
    `CREATE SCHEMA IF NOT EXISTS "${table.schema}"`,
    `CREATE TABLE IF NOT EXISTS ${table.sql} (
      position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      event_id text NOT NULL,
      event_type text NOT NULL,
      tenant_id text NOT NULL,
      schema_version integer NOT NULL,
      event json NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      delivered_at timestamptz,
      failure text,
      CONSTRAINT ${derivedName(table, 'event_id_key')} UNIQUE (event_id)
    )`,
    `COMMENT ON TABLE ${table.sql} IS '${OUTBOX_COMMENT_PREFIX}${OUTBOX_LAYOUT_VERSION}: audit events written in the application''s transactions, read and removed by Ferry''s postgres receiver'`,
    `CREATE INDEX IF NOT EXISTS ${derivedName(table, 'pending_idx')} ON ${table.sql} (position) WHERE ${PENDING}`,
    `CREATE INDEX IF NOT EXISTS ${derivedName(table, 'tenant_pending_idx')} ON ${table.sql} (tenant_id, position) WHERE ${PENDING}`,
  ];
  if (options.notify) {
    statements.push(
      `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('${channel}', ''); RETURN NULL; END $$`,
      // Once per inserting statement; PostgreSQL delivers it only if the transaction commits.
      `CREATE OR REPLACE TRIGGER ${derivedName(table, 'notify_trg')} AFTER INSERT ON ${table.sql} FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`,
    );
  } else {
    statements.push(`DROP TRIGGER IF EXISTS ${derivedName(table, 'notify_trg')} ON ${table.sql}`);
  }
  return `${statements.join(';\n')};`;
}

/** The name of the trigger function, unquoted (for tests and the README). */
export function notifyFunctionName(table: TableName): string {
  return derivedBare(table, 'notify');
}
