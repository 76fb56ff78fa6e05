/**
 * What the local BigQuery endpoint checks in every insertAll request: the API's own rules
 * (body shape, row count, request and row size, insert ids) and the row Ferry promises
 * (exactly the seed's columns as strings, `insertId` = the event id or its digest).
 */
import { createHash } from 'node:crypto';

/** The API's limits as BigQuery enforces them, and the stricter ones Ferry promises to keep. */
export const API_LIMITS = { requestBytes: 10_485_760, rows: 50_000, insertIdChars: 128, ferryRequestBytes: 10_000_000 } as const;

export const SEED_COLUMNS = ['event_id', 'event_type', 'created_at', 'data'] as const;

export interface InsertAllRow {
  readonly insertId: string;
  readonly json: Record<string, unknown>;
}

export interface CheckedInsertAll {
  /** Protocol or mapping problems: each is a violation. */
  readonly problems: string[];
  /** The parsed rows; undefined when the body is not an insertAll request at all. */
  readonly rows: InsertAllRow[] | undefined;
  /** The error BigQuery would answer for the whole request, if any. */
  readonly refusal?: { readonly status: number; readonly reason: string; readonly message: string };
  readonly kind: unknown;
  readonly skipInvalidRows: boolean;
  readonly ignoreUnknownValues: boolean;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The insert id Ferry must give an event id: itself, or `sha256:<hex>` past 128 UTF-8 bytes. */
export function expectedInsertId(eventId: string): string {
  return Buffer.byteLength(eventId) <= 128 ? eventId : `sha256:${createHash('sha256').update(eventId).digest('hex')}`;
}

/** Checks one insertAll body (`text`, `bytes` long) for a table that has `columns`. */
export function checkInsertAll(text: string, bytes: number, columns: ReadonlySet<string>): CheckedInsertAll {
  const problems: string[] = [];
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { problems: ['an insertAll body that is not JSON'], rows: undefined, refusal: { status: 400, reason: 'parseError', message: 'Parse Error' }, kind: undefined, skipInvalidRows: false, ignoreUnknownValues: false };
  }
  if (!isObject(body)) {
    return { problems: ['an insertAll body that is not a JSON object'], rows: undefined, refusal: { status: 400, reason: 'invalid', message: 'Invalid JSON payload received.' }, kind: undefined, skipInvalidRows: false, ignoreUnknownValues: false };
  }
  const { kind, skipInvalidRows, ignoreUnknownValues } = body;
  if (kind !== undefined && kind !== 'bigquery#tableDataInsertAllRequest') problems.push(`kind ${JSON.stringify(kind)}`);
  for (const [name, value] of Object.entries({ skipInvalidRows, ignoreUnknownValues })) {
    if (value !== undefined && typeof value !== 'boolean') problems.push(`${name} ${JSON.stringify(value)} is not a boolean`);
  }
  const base = { kind, skipInvalidRows: skipInvalidRows === true, ignoreUnknownValues: ignoreUnknownValues === true };
  if (bytes > API_LIMITS.ferryRequestBytes) problems.push(`a request of ${bytes} bytes (over ${API_LIMITS.ferryRequestBytes})`);
  if (bytes > API_LIMITS.requestBytes) {
    return { ...base, problems, rows: undefined, refusal: { status: 400, reason: 'badRequest', message: `Request payload size exceeds the limit: ${API_LIMITS.requestBytes} bytes.` } };
  }
  if (!Array.isArray(body.rows) || body.rows.length === 0) {
    problems.push('an insertAll request without rows');
    return { ...base, problems, rows: undefined, refusal: { status: 400, reason: 'invalid', message: 'No rows present in the request.' } };
  }
  if (body.rows.length > API_LIMITS.rows) {
    problems.push(`${body.rows.length} rows in one request`);
    return { ...base, problems, rows: undefined, refusal: { status: 400, reason: 'invalid', message: `Too many rows present in the request, limit: ${API_LIMITS.rows}.` } };
  }
  const ids = new Set<string>();
  const rows: InsertAllRow[] = [];
  for (const [at, raw] of (body.rows as unknown[]).entries()) {
    const row = isObject(raw) ? raw : {};
    const insertId = row.insertId;
    const json = isObject(row.json) ? row.json : {};
    const label = `row ${at} (${JSON.stringify(json.event_id)})`;
    problems.push(...checkRow(label, insertId, json, columns));
    if (typeof insertId === 'string') {
      if (ids.has(insertId)) problems.push(`${label}: insertId ${insertId} twice in one request`);
      ids.add(insertId);
    }
    const rowBytes = Buffer.byteLength(JSON.stringify(raw));
    if (rowBytes > API_LIMITS.ferryRequestBytes) problems.push(`${label}: a row of ${rowBytes} bytes`);
    rows.push({ insertId: String(insertId), json });
  }
  return { ...base, problems, rows };
}

function checkRow(label: string, insertId: unknown, json: Record<string, unknown>, columns: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  if (typeof insertId !== 'string' || insertId.length === 0) problems.push(`${label}: insertId ${JSON.stringify(insertId)}`);
  else if ([...insertId].length > API_LIMITS.insertIdChars) problems.push(`${label}: insertId of ${[...insertId].length} characters`);
  else if (typeof json.event_id === 'string' && insertId !== expectedInsertId(json.event_id)) problems.push(`${label}: insertId ${insertId} is not the event id`);
  const keys = Object.keys(json);
  const expected = [...SEED_COLUMNS, ...(columns.has('ferry') && json.ferry !== undefined ? ['ferry'] : [])];
  if ([...keys].sort().join() !== [...expected].sort().join()) problems.push(`${label}: columns ${keys.join(',')} (expected ${expected.join(',')})`);
  for (const key of keys) if (typeof json[key] !== 'string') problems.push(`${label}: ${key} is a ${typeof json[key]}, not a string`);
  if (typeof json.data === 'string') {
    try {
      if (!isObject(JSON.parse(json.data))) problems.push(`${label}: data is not the JSON text of an object`);
    } catch {
      problems.push(`${label}: data is not JSON text`);
    }
  }
  return problems;
}

/**
 * The errors BigQuery itself would give this row in `insertErrors` (an unknown column, a
 * missing REQUIRED one, a value that is not a string for a STRING column), or none.
 */
export function rowErrors(row: InsertAllRow, columns: ReadonlyMap<string, { readonly mode?: string }>, ignoreUnknownValues: boolean): Array<{ reason: string; location: string; message: string }> {
  const errors: Array<{ reason: string; location: string; message: string }> = [];
  for (const [key, value] of Object.entries(row.json)) {
    if (!columns.has(key.toLowerCase())) {
      if (!ignoreUnknownValues) errors.push({ reason: 'invalid', location: key, message: `no such field: ${key}.` });
    } else if (typeof value !== 'string' && value !== null) {
      errors.push({ reason: 'invalid', location: key, message: `Cannot convert value to string.` });
    }
  }
  for (const [name, column] of columns) {
    if (column.mode === 'REQUIRED' && !Object.keys(row.json).some((k) => k.toLowerCase() === name)) {
      errors.push({ reason: 'invalid', location: name, message: `Missing required field: ${name}.` });
    }
  }
  return errors;
}
