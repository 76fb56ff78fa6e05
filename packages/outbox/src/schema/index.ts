/**
 * What Ferry's postgres plugins share with the outbox library: table names, the outbox
 * layout, the audit record and its version, and how to read PostgreSQL's errors. Not meant
 * for applications (they use the package's main entry).
 */
export { tableName, derivedName, derivedBare, inSchema, TABLE_NAME_PATTERN } from './table.js';
export type { TableName } from './table.js';
export { outboxScript, notifyChannel, notifyFunctionName, PENDING, OUTBOX_LAYOUT_VERSION, OUTBOX_COMMENT_PREFIX } from './outbox-table.js';
export { AUDIT_SCHEMA_VERSION, readAuditRecord } from './audit-record.js';
export type { AuditRecord, AuditRequest, ReadAuditRecord, Json } from './audit-record.js';
export { classifyPgError, describeDatabase, layoutVersionOf } from './pg-errors.js';
export type { PgErrorKind } from './pg-errors.js';
