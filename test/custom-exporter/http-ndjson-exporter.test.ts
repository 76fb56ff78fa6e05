import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, createBatch, isPermanent, retryAfterOf, type FerryEvent } from '@ferry/sdk';
import { createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import httpNdjson from './http-ndjson-exporter.js';
import { startNdjsonSink, type NdjsonSink } from '../support/ndjson-sink.js';

let sink: NdjsonSink;
beforeAll(async () => {
  sink = await startNdjsonSink();
});
afterAll(() => sink.close());

const events: FerryEvent[] = [
  { id: 'evt_1', type: 'grant.created', createdAt: '2026-03-01T12:00:00Z', data: { grantId: 'grnt_1' } },
  { id: 'evt_2', type: 'token.issued', createdAt: '2026-03-01T12:00:01Z', data: { tokenId: 'tok_1' } },
];

// The SDK's conformance cases run in http-ndjson-exporter.conformance.test.ts, the README's snippet.
describe('the README custom exporter', () => {
  async function exportOnce() {
    const exporter = httpNdjson.create(createTestContext(resolveConfig(httpNdjson.configSchema, { url: sink.url })));
    return exporter.export(createBatch(events), { signal: new AbortController().signal, attempt: 1 });
  }

  it('posts NDJSON the sink decodes back to the same events', async () => {
    sink.events.length = 0;
    await exportOnce();
    expect(sink.events).toEqual(events);
    expect(sink.malformed).toEqual([]);
  });

  it('asks to be retried after Retry-After on 429, retried on 5xx, held on 401, and gives up on 400', async () => {
    sink.plan.push({ status: 429, retryAfterSeconds: 3 }, { status: 503 }, { status: 401 }, { status: 400 });
    const throttled = await exportOnce().catch((e: unknown) => e);
    expect([isPermanent(throttled), retryAfterOf(throttled)]).toEqual([false, 3000]);
    const unavailable = await exportOnce().catch((e: unknown) => e);
    expect(isPermanent(unavailable)).toBe(false);
    const unauthorized = await exportOnce().catch((e: unknown) => e);
    expect(unauthorized).toBeInstanceOf(ConfigError);
    const refused = await exportOnce().catch((e: unknown) => e);
    expect(isPermanent(refused)).toBe(true);
    expect((refused as Error).message).toBe(`${new URL(sink.url).host} answered 400`);
  });

  it('retries a request that got no answer', async () => {
    const gone = await startNdjsonSink();
    await gone.close();
    const exporter = httpNdjson.create(createTestContext(resolveConfig(httpNdjson.configSchema, { url: gone.url })));
    const error = await exporter.export(createBatch(events), { signal: new AbortController().signal, attempt: 1 }).catch((e: unknown) => e as Error);
    expect([isPermanent(error), (error as Error).message]).toEqual([false, expect.stringMatching(/^cannot reach 127\.0\.0\.1:\d+: fetch failed: connect ECONNREFUSED/)]);
  });
});
