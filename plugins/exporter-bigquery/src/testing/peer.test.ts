import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startBigQueryPeer, type BigQueryPeer } from './index.js';

// The peer's own checks, proven to bite: each wrong request below must be flagged.
let peer: BigQueryPeer;
beforeAll(async () => {
  peer = await startBigQueryPeer({ project: 'acme', dataset: 'grantex', tables: ['events'] });
});
afterAll(() => peer.close());
beforeEach(() => peer.clear());

const row = (id: string, json: Record<string, unknown> = {}) => ({ insertId: id, json: { event_id: id, event_type: 't', created_at: 'c', data: '{}', ...json } });
async function insertAll(body: unknown, headers: Record<string, string> = {}, path = '/bigquery/v2/projects/acme/datasets/grantex/tables/events/insertAll') {
  const response = await fetch(`${peer.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('the local BigQuery endpoint', () => {
  it('accepts a well-formed request and keeps its rows', async () => {
    const answer = await insertAll({ kind: 'bigquery#tableDataInsertAllRequest', rows: [row('a'), row('b')] });
    expect(answer).toEqual({ status: 200, body: { kind: 'bigquery#tableDataInsertAllResponse' } });
    expect(peer.received.map((r) => r.insertId)).toEqual(['a', 'b']);
    expect(peer.violations).toEqual([]);
  });

  it('flags an insert id that is not the event id, repeats, or is too long', async () => {
    await insertAll({ rows: [{ insertId: 'other', json: row('a').json }, row('b'), row('b'), { insertId: 'x'.repeat(129), json: row('x'.repeat(129)).json }] });
    expect(peer.violations).toEqual([
      'row 0 ("a"): insertId other is not the event id',
      'row 2 ("b"): insertId b twice in one request',
      `row 3 ("${'x'.repeat(129)}"): insertId of 129 characters`,
    ]);
  });

  it('flags columns other than the seed mapping and values that are not strings, and refuses those rows as BigQuery would', async () => {
    const answer = await insertAll({ rows: [row('a', { extra: 'x' }), row('b', { created_at: 5 }), row('c', { data: 'not json' }), row('d')] });
    expect(peer.violations).toEqual([
      'row 0 ("a"): columns event_id,event_type,created_at,data,extra (expected event_id,event_type,created_at,data)',
      'row 1 ("b"): created_at is a number, not a string',
      'row 2 ("c"): data is not JSON text',
    ]);
    expect(answer.body.insertErrors).toEqual([
      { index: 0, errors: [{ reason: 'invalid', location: 'extra', message: 'no such field: extra.' }] },
      { index: 1, errors: [{ reason: 'invalid', location: 'created_at', message: 'Cannot convert value to string.' }] },
      { index: 2, errors: [{ reason: 'stopped', location: '', message: '' }] },
      { index: 3, errors: [{ reason: 'stopped', location: '', message: '' }] },
    ]);
    expect(peer.received).toEqual([]);
  });

  it('inserts the valid rows with skipInvalidRows and reports only the invalid ones', async () => {
    peer.refuse('b');
    const answer = await insertAll({ skipInvalidRows: true, rows: [row('a'), row('b'), row('c')] });
    expect(answer.body.insertErrors).toEqual([{ index: 1, errors: [{ reason: 'invalid', location: 'data', message: 'no such field: data.bogus.' }] }]);
    expect(peer.received.map((r) => r.insertId)).toEqual(['a', 'c']);
  });

  it('refuses requests over the row count or size limits, and flags requests over 10,000,000 bytes', async () => {
    const many = await insertAll({ rows: Array.from({ length: 50_001 }, (_, i) => row(`e${i}`)) });
    expect(many.status).toBe(400);
    expect(peer.violations).toEqual(['50001 rows in one request']);
    peer.clear();
    const between = await insertAll({ rows: [row('a', { data: JSON.stringify({ blob: 'x'.repeat(10_100_000) }) })] });
    expect(between.status).toBe(200);
    expect(peer.violations).toEqual([expect.stringMatching(/^a request of 101\d{5} bytes \(over 10000000\)$/), expect.stringMatching(/^row 0 \("a"\): a row of \d+ bytes$/)]);
    peer.clear();
    const over = await insertAll({ rows: [row('a', { data: JSON.stringify({ blob: 'x'.repeat(10_500_000) }) })] });
    expect(over).toMatchObject({ status: 400, body: { error: { message: 'Request payload size exceeds the limit: 10485760 bytes.' } } });
    expect(peer.received).toEqual([]);
  });

  it('flags a wrong kind, credentials while anonymous, an unknown table and an unknown path', async () => {
    await insertAll({ kind: 'bigquery#somethingElse', rows: [row('a')] }, { authorization: 'Bearer x' });
    expect((await insertAll({ rows: [row('b')] }, {}, '/bigquery/v2/projects/acme/datasets/grantex/tables/nope/insertAll')).status).toBe(404);
    expect((await insertAll({}, {}, '/upload/bigquery/v2/projects/acme/jobs')).status).toBe(404);
    expect(peer.violations).toEqual([
      'credentials sent to an endpoint that wants none (anonymous)',
      'kind "bigquery#somethingElse"',
      'insertAll into table nope, which does not exist',
      'unexpected POST /upload/bigquery/v2/projects/acme/jobs',
    ]);
  });

  it('answers injected faults in order, then normally', async () => {
    peer.inject({ status: 503 }, 2);
    peer.inject({ status: 429, retryAfter: '3' });
    expect((await insertAll({ rows: [row('a')] })).body).toEqual({ error: { code: 503, message: 'injected 503 backendError', errors: [{ message: 'injected 503 backendError', domain: 'global', reason: 'backendError' }], status: 'backendError' } });
    expect((await insertAll({ rows: [row('a')] })).status).toBe(503);
    expect((await insertAll({ rows: [row('a')] })).status).toBe(429);
    expect((await insertAll({ rows: [row('a')] })).status).toBe(200);
    expect(peer.insertRequests.map((r) => r.status)).toEqual([503, 503, 429, 200]);
    expect(peer.received).toHaveLength(1);
  });
});
