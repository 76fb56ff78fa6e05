import { describe, expect, it } from 'vitest';
import type { FerryEvent } from '@ferry/sdk';
import { encodeRow, insertIdFor, LIMITS, oversize, planRequests, requestBody, requestBytes, toRow } from './encode.js';

const object = (id: string, data: FerryEvent['data'] = { grantId: 'g1' }): FerryEvent => ({ id, type: 'grant.created', createdAt: '2026-03-01T12:00:00Z', data });
/** An event's stored line, as the exporter reads it from a batch. */
const event = (id: string, data?: FerryEvent['data']): string => JSON.stringify(object(id, data));

describe('the row encoding', () => {
  it('maps every event to the seed row: event_id, event_type, created_at, data as JSON text', () => {
    const data = { grantId: 'grnt_1', scopes: ['a', 'b'], nested: { quote: '"', newline: '\n', unicode: 'é✓' } };
    expect(toRow(JSON.stringify({ ...object('evt_1', data), extra: 1 }), false)).toEqual({
      insertId: 'evt_1',
      json: { event_id: 'evt_1', event_type: 'grant.created', created_at: '2026-03-01T12:00:00Z', data: JSON.stringify(data) },
    });
  });

  it('adds the integrity link as JSON text only for a table with the ferry column', () => {
    const linked = JSON.stringify({ ...object('evt_1'), ferry: { v: 1, seq: 5 } });
    expect(toRow(linked, true).json.ferry).toBe('{"v":1,"seq":5}');
    expect(toRow(linked, false).json).not.toHaveProperty('ferry');
    expect(toRow(event('evt_2'), true).json).not.toHaveProperty('ferry');
  });

  it("takes data and the link from the stored line as they are written: integers beyond 2^53, key order, escapes", () => {
    const data = '{"10":"ten","2":"two","n":12345678901234567890,"s":"caf\\u00e9 café","deep":[[[{"a":[1.50]}]]]}';
    const ferry = '{"v":2,"writer":"w","seq":12345678901234567890}';
    const line = `{"id":"evt_1","type":"grant.created","createdAt":"2026-03-01T12:00:00Z","data":${data},"ferry":${ferry}}`;
    expect(toRow(line, true).json).toEqual({ event_id: 'evt_1', event_type: 'grant.created', created_at: '2026-03-01T12:00:00Z', data, ferry });
    expect((JSON.parse(encodeRow(line, 0, true).text) as { json: { data: string } }).json.data).toBe(data);
  });

  it('keeps an id of up to 128 bytes as the insert id and replaces a longer one by a stable digest that fits', () => {
    const max = `evt_${'x'.repeat(124)}`;
    expect(insertIdFor(max)).toBe(max);
    const long = `${max}y`;
    expect(insertIdFor(long)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(insertIdFor(long)).toBe(insertIdFor(`${max}y`));
    expect(insertIdFor(long)).not.toBe(insertIdFor(`${max}z`));
    // 64 two-byte characters: 128 bytes fit, one more does not (BigQuery's limit is the stricter reading).
    expect(insertIdFor('é'.repeat(64))).toBe('é'.repeat(64));
    expect(insertIdFor('é'.repeat(65))).toMatch(/^sha256:/);
  });

  it('measures the exact size of the request it will send', () => {
    const rows = [encodeRow(event('evt_1', { text: 'quotes " and \\ and é✓' }), 0, false), encodeRow(event('evt_2'), 1, false)];
    const body = requestBody(rows);
    expect(requestBytes(rows)).toBe(Buffer.byteLength(body));
    expect(JSON.parse(body)).toEqual({
      kind: 'bigquery#tableDataInsertAllRequest',
      skipInvalidRows: false,
      ignoreUnknownValues: false,
      rows: [toRow(event('evt_1', { text: 'quotes " and \\ and é✓' }), false), toRow(event('evt_2'), false)],
    });
  });

  it('cuts requests at the byte limit, in order, each one within it', () => {
    const rows = Array.from({ length: 10 }, (_, i) => encodeRow(event(`evt_${i}`, { blob: 'z'.repeat(1000) }), i, false));
    const limit = requestBytes(rows.slice(0, 3));
    const planned = planRequests(rows, limit);
    expect(planned.map((r) => r.map((row) => row.index))).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]);
    for (const request of planned) expect(requestBytes(request)).toBeLessThanOrEqual(limit);
  });

  it('cuts requests at 50,000 rows', () => {
    const row = encodeRow(event('evt'), 0, false);
    const rows = Array.from({ length: LIMITS.rows + 1 }, (_, index) => ({ ...row, index, insertId: `evt_${index}` }));
    expect(planRequests(rows).map((r) => r.length)).toEqual([LIMITS.rows, 1]);
  });

  it('never puts one insert id twice in a request', () => {
    const rows = ['a', 'b', 'a', 'c'].map((id, index) => encodeRow(event(id), index, false));
    expect(planRequests(rows).map((r) => r.map((row) => row.index))).toEqual([[0, 1], [2, 3]]);
  });

  it('names a row that could not be sent even alone', () => {
    expect(oversize(encodeRow(event('evt_ok', { blob: 'z'.repeat(1000) }), 0, false))).toBeUndefined();
    const huge = encodeRow(event('evt_huge', { blob: 'z'.repeat(LIMITS.requestBytes) }), 0, false);
    expect(oversize(huge)).toMatch(/^event evt_huge makes a BigQuery row of 10000\d+ bytes .*at most 10000000 bytes per row and per insertAll request$/);
  });
});
