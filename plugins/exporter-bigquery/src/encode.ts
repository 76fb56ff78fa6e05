import { createHash } from 'node:crypto';
import { memberTexts } from '@ferry/sdk';

/**
 * BigQuery's limits for one tabledata.insertAll request. The API says "10 MB" for a request
 * and for a row (it answers past 10,485,760 bytes); the decimal reading is the safe one.
 */
export const LIMITS = { requestBytes: 10_000_000, rows: 50_000, insertIdBytes: 128 } as const;

/** The seed's columns, in the order rows carry them. */
export const SEED_COLUMNS = ['event_id', 'event_type', 'created_at', 'data'] as const;
/** The optional column that carries the integrity link (`event.ferry`) when the table has it. */
export const FERRY_COLUMN = 'ferry';

// Sent as text so the client library never walks (and rewrites) row values: see send.ts.
const REQUEST_HEAD = '{"kind":"bigquery#tableDataInsertAllRequest","skipInvalidRows":false,"ignoreUnknownValues":false,"rows":[';
const REQUEST_TAIL = ']}';
const REQUEST_OVERHEAD = Buffer.byteLength(REQUEST_HEAD) + Buffer.byteLength(REQUEST_TAIL);

export interface Row {
  readonly insertId: string;
  readonly json: Readonly<Record<string, string>>;
}

/** One event's row as request text, with where it came from in the batch. */
export interface EncodedRow {
  readonly index: number;
  readonly eventId: string;
  readonly insertId: string;
  readonly text: string;
  readonly bytes: number;
}

/**
 * The event id, or — past BigQuery's 128 characters (counted in UTF-8 bytes, the stricter
 * reading) — `sha256:` and the hex SHA-256 of the id: 71 characters, the same every time,
 * so a retried row keeps its insert id.
 */
export function insertIdFor(id: string): string {
  return Buffer.byteLength(id) <= LIMITS.insertIdBytes ? id : `sha256:${createHash('sha256').update(id).digest('hex')}`;
}

const MEMBERS = ['id', 'type', 'createdAt', 'data', 'ferry'] as const;

/** A string member's value (the envelope's id, type, createdAt are strings in every event). */
function stringOf(text: string | undefined): string {
  const value: unknown = text === undefined ? undefined : JSON.parse(text);
  return typeof value === 'string' ? value : '';
}

/**
 * The seed's row from an event's stored line, plus the integrity link when the table has a
 * `ferry` column. `data` and `ferry` are the exact text of those members in the line: what
 * the source sent, never decoded and re-encoded (BigQuery's JSON column then reads integers
 * beyond 2^53 and key order as they were).
 */
export function toRow(line: string, withFerryColumn: boolean): Row {
  const members = memberTexts(line, MEMBERS);
  const id = stringOf(members.id);
  const json: Record<string, string> = { event_id: id, event_type: stringOf(members.type), created_at: stringOf(members.createdAt), data: members.data ?? 'null' };
  if (withFerryColumn && members.ferry !== undefined) json[FERRY_COLUMN] = members.ferry;
  return { insertId: insertIdFor(id), json };
}

export function encodeRow(line: string, index: number, withFerryColumn: boolean): EncodedRow {
  const row = toRow(line, withFerryColumn);
  const text = JSON.stringify(row);
  return { index, eventId: row.json.event_id as string, insertId: row.insertId, text, bytes: Buffer.byteLength(text) };
}

/** Why this row can never be sent, if it cannot: alone in a request it is still over the limit. */
export function oversize(row: EncodedRow): string | undefined {
  const request = REQUEST_OVERHEAD + row.bytes;
  if (request <= LIMITS.requestBytes) return undefined;
  return `event ${row.eventId} makes a BigQuery row of ${row.bytes} bytes (a request of ${request}); BigQuery takes at most ${LIMITS.requestBytes} bytes per row and per insertAll request`;
}

/** The exact insertAll request body for these rows. */
export function requestBody(rows: readonly EncodedRow[]): string {
  return REQUEST_HEAD + rows.map((r) => r.text).join(',') + REQUEST_TAIL;
}

/** The byte size `requestBody(rows)` will have. */
export function requestBytes(rows: readonly EncodedRow[]): number {
  let bytes = REQUEST_OVERHEAD + Math.max(rows.length - 1, 0);
  for (const row of rows) bytes += row.bytes;
  return bytes;
}

/**
 * Cuts rows, in order, into as few insertAll requests as the row-count and size limits
 * allow. An insert id already in the current request starts a new one: the same event
 * twice in a batch is then sent twice, and BigQuery's de-duplication keeps one.
 */
export function planRequests(rows: readonly EncodedRow[], maxBytes: number = LIMITS.requestBytes): EncodedRow[][] {
  const out: EncodedRow[][] = [];
  let current: EncodedRow[] = [];
  let ids = new Set<string>();
  let bytes = REQUEST_OVERHEAD;
  for (const row of rows) {
    const separator = current.length > 0 ? 1 : 0;
    if (current.length > 0 && (current.length >= LIMITS.rows || bytes + separator + row.bytes > maxBytes || ids.has(row.insertId))) {
      out.push(current);
      current = [];
      ids = new Set();
      bytes = REQUEST_OVERHEAD;
    }
    bytes += row.bytes + (current.length > 0 ? 1 : 0);
    current.push(row);
    ids.add(row.insertId);
  }
  if (current.length > 0) out.push(current);
  return out;
}
