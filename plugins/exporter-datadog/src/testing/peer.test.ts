import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { startDatadogPeer, type DatadogPeer } from './index.js';

// The peer is what the exporter's tests trust: each check must catch what it claims to.
const KEY = 'peerkey0123456789abcdef012345678';
let peer: DatadogPeer;
beforeAll(async () => {
  peer = await startDatadogPeer({ apiKey: KEY, expect: { source: 'grantex', service: 'grantex', hostname: 'grantex-auth-service', tags: ['env:prod'] } });
});
afterAll(() => peer.close());
beforeEach(() => peer.clear());

const event = { id: 'evt_1', type: 'grant.created', createdAt: '2026-03-01T12:00:00Z', data: {} };
const good = (overrides: Record<string, unknown> = {}) => ({ ddsource: 'grantex', ddtags: 'type:grant.created,env:prod', hostname: 'grantex-auth-service', service: 'grantex', message: JSON.stringify(event), ...overrides });
const post = (body: Buffer | string, headers: Record<string, string> = {}, path = '/api/v2/logs') =>
  fetch(new URL(path, peer.endpoint), { method: 'POST', headers: { 'content-type': 'application/json', 'dd-api-key': KEY, ...headers }, body });

describe('the local Datadog intake', () => {
  it('accepts a well-formed gzip request with 202 and keeps its entries', async () => {
    const response = await post(gzipSync(JSON.stringify([good()])), { 'content-encoding': 'gzip' });
    expect(response.status).toBe(202);
    expect(peer.received).toEqual([good()]);
    expect(peer.violations).toEqual([]);
  });

  it.each([
    ['a wrong type tag', [good({ ddtags: 'type:grant.revoked,env:prod' })], 'does not start with type:grant.created'],
    ['a missing field', [{ ...good(), hostname: undefined }], 'without a string hostname'],
    ['another hostname', [good({ hostname: 'elsewhere' })], 'hostname "elsewhere"'],
    ['missing extra tags', [good({ ddtags: 'type:grant.created' })], 'expected the tags env:prod'],
    ['an unknown attribute', [good({ status: 'info' })], 'unexpected attribute "status"'],
    ['a message that is not an event', [good({ message: '{"id":"evt_1"}' })], 'not a Ferry event'],
    ['a truncated message', [good({ message: JSON.stringify(event).slice(0, 30) })], 'message is not JSON'],
    ['an entry over 1 MB', [good({ message: JSON.stringify({ ...event, data: { blob: 'z'.repeat(1_000_000) } }) })], 'over 1 MB'],
    ['over 1000 entries', Array.from({ length: 1001 }, () => good()), '1001 entries in one request'],
    ['over 5 MB', Array.from({ length: 6 }, () => good({ message: JSON.stringify({ ...event, data: { blob: 'z'.repeat(900_000) } }) })), 'uncompressed in one request (over 5 MB)'],
  ])('records %s as a violation and accepts none of it', async (_, entries, problem) => {
    const response = await post(JSON.stringify(entries));
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(peer.violations.join('\n')).toContain(problem);
    expect(peer.received).toEqual([]);
  });

  it('checks the path, the key header, the content type and that gzip is what Content-Encoding says', async () => {
    expect((await post('[]', {}, '/v1/input')).status).toBe(404);
    expect((await post(JSON.stringify([good()]), { 'dd-api-key': '' })).status).toBe(403);
    expect((await fetch(peer.endpoint, { method: 'POST', body: JSON.stringify([good()]), headers: { 'content-type': 'application/json' } })).status).toBe(401);
    expect((await post(JSON.stringify([good()]), { 'content-encoding': 'gzip' })).status).toBe(400);
    expect((await post(gzipSync(JSON.stringify([good()])))).status).toBe(400);
    expect((await post(JSON.stringify([good()]), { 'content-type': 'text/plain' })).status).toBe(400);
    expect(peer.violations).toEqual([
      'POST /v1/input',
      'a request without DD-API-KEY',
      'Content-Encoding: gzip on a body that is not gzip',
      'a gzip body without Content-Encoding: gzip',
      'the body is not JSON',
      'Content-Type text/plain',
    ]);
    expect(peer.received).toEqual([]);
  });

  it('answers injected faults for the next N requests, then 202 again', async () => {
    peer.inject({ status: 429, retryAfter: '3' }, 2);
    const answers = [];
    for (let i = 0; i < 3; i++) {
      const response = await post(JSON.stringify([good()]));
      answers.push([response.status, response.headers.get('retry-after')]);
    }
    expect(answers).toEqual([
      [429, '3'],
      [429, '3'],
      [202, null],
    ]);
    expect(peer.received).toHaveLength(1);
  });
});
