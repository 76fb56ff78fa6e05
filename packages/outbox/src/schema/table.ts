import { createHash } from 'node:crypto';

/** A table name as PostgreSQL takes it: lower-case letters, digits and `_`, at most 63 bytes a part. */
export const TABLE_NAME_PATTERN = '^([a-z_][a-z0-9_]{0,62}\\.)?[a-z_][a-z0-9_]{0,62}$';
const TABLE_NAME = new RegExp(TABLE_NAME_PATTERN);

/** A table's schema and name, and both quoted for SQL. */
export interface TableName {
  readonly schema: string;
  readonly name: string;
  /** `"schema"."name"`, safe to put in SQL text. */
  readonly sql: string;
  /** `schema.name`, for messages and `to_regclass`. */
  readonly qualified: string;
}

/** Parses `name` or `schema.name` (default schema `public`); throws a TypeError naming the rule it breaks. */
export function tableName(text: string): TableName {
  if (!TABLE_NAME.test(text)) {
    throw new TypeError(`table "${text}" must be a name or schema.name of lower-case letters, digits and _ (each part at most 63 characters, not starting with a digit)`);
  }
  const [schema, name] = text.includes('.') ? (text.split('.') as [string, string]) : ['public', text];
  return { schema, name, sql: `${quote(schema)}.${quote(name)}`, qualified: `${schema}.${name}` };
}

/** A name derived from the table (an index, a partition, a function), quoted, within PostgreSQL's 63 bytes. */
export function derivedName(table: TableName, suffix: string): string {
  return quote(derivedBare(table, suffix));
}

/** The same name unquoted (as `pg_class.relname` holds it). */
export function derivedBare(table: TableName, suffix: string): string {
  const full = `${table.name}_${suffix}`;
  if (full.length <= 63) return full;
  // Long table names: a stable digest keeps derived names unique and short.
  return `${table.name.slice(0, 63 - suffix.length - 10)}_${digest(table.name, 8)}_${suffix}`;
}

/** A derived name qualified with the table's schema. */
export function inSchema(table: TableName, suffix: string): string {
  return `${quote(table.schema)}.${derivedName(table, suffix)}`;
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

export function digest(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}
