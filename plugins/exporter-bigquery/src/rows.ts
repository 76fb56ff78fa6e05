import { createHash } from 'node:crypto';
import type { Batch, FerryEvent } from '@ferry/sdk';

/** BigQuery's limits for one insertAll request and one row. */
export const LIMITS = { requestBytes: 10 * 1024 * 1024, rowBytes: 10 * 1024 * 1024, rows: 50_000, insertIdLength: 128 } as const;
/** Headroom under the 10 MB request limit for the request's own JSON around the rows. */
const REQUEST_BUDGET = LIMITS.requestBytes - 64 * 1024;

export interface Row {
  readonly insertId: string;
  readonly json: Record<string, string>;
}

export interface EncodedRow {
  readonly index: number;
  readonly row: Row;
  readonly bytes: number;
}

/** The event id, or — past BigQuery's 128 characters — a stable digest of it that fits. */
export function insertIdFor(id: string): string {
  return id.length <= LIMITS.insertIdLength ? id : `sha256:${createHash('sha256').update(id).digest('hex')}`;
}

/** The seed's row: event_id, event_type, created_at, data as a JSON string (and the integrity link when the table has a `ferry` column). */
export function toRow(event: FerryEvent, withEnvelope: boolean): Row {
  const json: Record<string, string> = { event_id: event.id, event_type: event.type, created_at: event.createdAt, data: JSON.stringify(event.data) };
  if (withEnvelope && event.ferry !== undefined) json.ferry = JSON.stringify(event.ferry);
  return { insertId: insertIdFor(event.id), json };
}

export function encodeRows(batch: Batch, withEnvelope: boolean): EncodedRow[] {
  return batch.events.map((event, index) => {
    const row = toRow(event, withEnvelope);
    return { index, row, bytes: Buffer.byteLength(JSON.stringify(row)) + 1 };
  });
}

/** Cuts rows into insertAll requests within the row-count and request-size limits. */
export function requests(rows: readonly EncodedRow[]): EncodedRow[][] {
  const out: EncodedRow[][] = [];
  let current: EncodedRow[] = [];
  let bytes = 0;
  for (const row of rows) {
    if (current.length > 0 && (current.length >= LIMITS.rows || bytes + row.bytes > REQUEST_BUDGET)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += row.bytes;
  }
  if (current.length > 0) out.push(current);
  return out;
}
