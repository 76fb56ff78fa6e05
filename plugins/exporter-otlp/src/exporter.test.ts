import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBatch, isPermanent, PermanentError, RetryableError, retryAfterOf, type FerryEvent } from '@ferry/sdk';
import { conformanceCases, createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import { startOtlpPeer, type OtlpPeer } from '@ferry/otlp/testing';
import otlp from './index.js';

let peer: OtlpPeer;
beforeAll(async () => {
  peer = await startOtlpPeer({ headers: { 'x-api-key': 'otlp-key-123' } });
});
afterAll(() => peer.close());
beforeEach(() => peer.clear());

const events = (n: number, from = 0): FerryEvent[] =>
  Array.from({ length: n }, (_, i) => ({ id: `evt_${from + i}`, type: i % 2 === 0 ? 'grant.created' : 'budget.exhausted', createdAt: '2026-03-01T12:00:00Z', data: { n: from + i } }));
const exporter = (config: Record<string, unknown> = {}) =>
  otlp.create(createTestContext(resolveConfig(otlp.configSchema, { endpoint: peer.url, headers: { 'X-Api-Key': 'otlp-key-123' }, ...config }), { id: 'otlp' }));
const send = (config: Record<string, unknown>, list: readonly FerryEvent[] | string[], receivedAt = Date.parse('2026-03-01T12:00:05Z')) =>
  exporter(config).export(typeof list[0] === 'string' ? createBatch({ lines: list as string[], receivedAt }) : createBatch({ events: list as FerryEvent[], receivedAt }), { signal: new AbortController().signal, attempt: 1 });
const failure = (promise: Promise<unknown>): Promise<Error> => promise.then(() => new Error('expected a failure'), (error: unknown) => error as Error);

describe('the otlp exporter', () => {
  describe('SDK conformance', () => {
    for (const c of conformanceCases(otlp, {
      get config() {
        return { endpoint: peer.url, headers: { 'X-Api-Key': 'otlp-key-123' } };
      },
      invalidConfigs: [
        { config: {}, because: 'endpoint is required' },
        { config: { endpoint: 'otel:4318' }, because: 'the endpoint is a URL' },
        { config: { endpoint: 'http://127.0.0.1:4318', encoding: 'grpc' }, because: 'encoding is protobuf or json' },
      ],
      exportEvents: events(3),
    })) it(c.name, c.run);
  });

  it.each(['protobuf', 'json'] as const)('maps each event to a log record as the README documents, decoded by the official OTLP code (%s, gzip)', async (encoding) => {
    const line = '{"id":"evt_1","type":"grant.revoked","createdAt":"2026-03-01T12:00:00.123456Z","data":{"grantId":"grnt_1","scopes":["read","write"],"n":7,"ratio":0.5,"ok":true,"none":null},"ferry":{"v":2,"seq":4}}';
    expect(await send({ encoding }, [line])).toBeUndefined();
    expect(peer.violations).toEqual([]);
    expect(peer.requests).toEqual([{ encoding, gzip: true, records: 1, status: 200 }]);
    expect(peer.records).toEqual([
      {
        resource: { 'service.name': 'grantex' },
        scope: { name: 'ferry', version: '1' },
        timeUnixNano: '1772366400123456000',
        observedTimeUnixNano: '1772366405000000000',
        severityNumber: 13,
        severityText: 'WARN',
        eventName: 'grant.revoked',
        body: { grantId: 'grnt_1', scopes: ['read', 'write'], n: 7, ratio: 0.5, ok: true, none: null },
        attributes: { 'event.name': 'grant.revoked', 'log.record.uid': 'evt_1', 'ferry.ferry': { v: 2, seq: 4 } },
      },
    ]);
  });

  it('keeps a createdAt that a timestamp would not render back as ferry.createdAt, and sets the resource', async () => {
    await send({ compression: 'none', serviceName: 'iam', resourceAttributes: { 'deployment.environment.name': 'prod' } }, [{ ...events(1)[0]!, createdAt: '2026-03-01T13:00:00+01:00' }]);
    expect(peer.requests[0]?.gzip).toBe(false);
    expect(peer.records[0]?.attributes['ferry.createdAt']).toBe('2026-03-01T13:00:00+01:00');
    expect(peer.records[0]?.timeUnixNano).toBe('1772366400000000000');
    expect(peer.records[0]?.resource).toEqual({ 'deployment.environment.name': 'prod', 'service.name': 'iam' });
    expect(peer.records[0]?.severityText).toBe('INFO');
  });

  it('retries 429/503 honouring Retry-After and 5xx and resets; 400 dead-letters; 401 is a configuration error', async () => {
    peer.inject({ status: 429, retryAfter: '3' });
    const throttled = await failure(send({}, events(2)));
    expect(throttled).toBeInstanceOf(RetryableError);
    expect(retryAfterOf(throttled)).toBe(3000);
    peer.inject({ status: 502 });
    expect(await failure(send({}, events(1)))).toBeInstanceOf(RetryableError);
    peer.inject({ reset: true });
    expect(await failure(send({}, events(1)))).toBeInstanceOf(RetryableError);
    peer.inject({ status: 400 });
    const refused = await failure(send({}, events(1)));
    expect(refused).toBeInstanceOf(PermanentError);
    expect(refused.message).toMatch(/^the OTLP endpoint http:\/\/127\.0\.0\.1:\d+ answered 400: \{"code":14,"message":"injected"\}$/);
    const key = await failure(send({ headers: { 'X-Api-Key': 'wrong-key-000' } }, events(1)));
    expect(key.name).toBe('ConfigError');
    expect(key.message).not.toContain('wrong-key-000');
    expect(peer.records).toEqual([]);
  });

  it.each(['protobuf', 'json'] as const)('dead-letters a request whose partial success rejects records (%s), since OTLP does not say which', async (encoding) => {
    peer.inject({ partialSuccess: { rejected: 1, message: 'record 1 has no body' } });
    const error = await failure(send({ encoding }, events(3)));
    expect(isPermanent(error)).toBe(true);
    expect(error.message).toMatch(/rejected 1 of 3 log records: record 1 has no body — OTLP does not say which, so all 3 are dead-lettered/);
  });

  it('splits a request refused as too large (413) in halves, every record arriving once, in order', async () => {
    peer.tooLarge = { records: 2 };
    expect(await send({}, events(7))).toBeUndefined();
    expect(peer.ids()).toEqual(events(7).map((e) => e.id));
  });
});
