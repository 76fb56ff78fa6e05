/**
 * @ferry/outbox: audit events written in the application's own PostgreSQL transaction, for
 * Ferry's `postgres` receiver to export at least once. See the README.
 */
export { migrate, DEFAULT_OUTBOX_TABLE } from './migrate.js';
export type { MigrateOptions, OutboxOptions } from './migrate.js';
export { recordAuditEvent, NotInTransactionError } from './record.js';
export { toOutboxEvent, AuditEventError } from './audit-event.js';
export type { AuditEvent, OutboxEvent } from './audit-event.js';
export { newEventId } from './ulid.js';
export { AUDIT_SCHEMA_VERSION, readAuditRecord } from './schema/audit-record.js';
export type { AuditRecord, AuditRequest, ReadAuditRecord, Json } from './schema/audit-record.js';
export type { Queryable, PgQueryable, PostgresJsQueryable } from './client.js';
