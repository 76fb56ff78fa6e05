import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, RetryableError } from '@ferry/sdk';
import { collectingGarbage, createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import datadog from './index.js';
import type { DatadogConfig } from './config.js';
import { startDatadogPeer, type DatadogPeer } from './testing/index.js';

const KEY = 'fedcba9876543210fedcba9876543210';
let peer: DatadogPeer;
beforeAll(async () => {
  peer = await startDatadogPeer({ apiKey: KEY });
});
afterAll(() => peer.close());
beforeEach(() => peer.clear());

function start(config: Partial<DatadogConfig>): { started: Promise<void>; logs: () => string } {
  const ctx = createTestContext(resolveConfig(datadog.configSchema, { apiKey: KEY, endpoint: peer.endpoint, ...config }), { id: 'datadog/alerts' });
  const exporter = datadog.create(ctx);
  return { started: (exporter.start ?? (async () => {})).call(exporter), logs: () => JSON.stringify(ctx.logs) };
}
const rejection = (promise: Promise<void>) => promise.then(() => undefined, (error: unknown) => error as Error);

describe('the start check (GET /api/v1/validate)', () => {
  it('passes with a valid key, sent in DD-API-KEY to the endpoint\'s validate address', async () => {
    await start({}).started;
    expect(peer.keyChecks).toEqual([{ key: 'valid', status: 200 }]);
    expect(peer.violations).toEqual([]);
  });

  it('refuses to start with a key Datadog rejects: a ConfigError naming the destination and the option, never the key', async () => {
    const wrong = 'nope0123456789abcdef0123456789ab';
    const { started, logs } = start({ apiKey: wrong });
    const error = await rejection(started);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toBe(
      `Datadog refused the API key sent to endpoint ${new URL(peer.endpoint).host} (403: {"errors":["Forbidden"]}): check exporters.datadog/alerts.apiKey — an API key (not an application key) of the organisation on that site`,
    );
    expect(`${error?.message} ${logs()}`).not.toContain(wrong);
    expect(peer.keyChecks).toEqual([{ key: 'invalid', status: 403 }]);
  });

  it('only warns (RetryableError) when Datadog cannot be reached or answers something else', async () => {
    const closed = await startDatadogPeer({ apiKey: KEY });
    await closed.close();
    const unreachable = await rejection(start({ endpoint: closed.endpoint }).started);
    expect(unreachable).toBeInstanceOf(RetryableError);
    expect(unreachable?.message).toMatch(/^cannot reach Datadog \(endpoint 127\.0\.0\.1:\d+\) to check exporters\.datadog\/alerts\.apiKey: fetch failed: connect ECONNREFUSED/);

    peer.inject({ status: 503, on: 'validate' });
    const unavailable = await rejection(start({}).started);
    expect(unavailable).toBeInstanceOf(RetryableError);
    expect(unavailable?.message).toContain('answered 503');
    expect(unavailable?.message).toContain('validateApiKey: false');

    peer.inject({ hang: true, on: 'validate' });
    const slow = await rejection(start({ requestTimeoutMs: 200 }).started);
    expect(slow).toBeInstanceOf(RetryableError);
    expect(slow?.message).toContain('no answer within 200 ms');
  });

  it('gives up on a check that gets no answer when garbage is collected while it waits (Node 20 loses an AbortSignal.timeout combined with AbortSignal.any)', async () => {
    peer.inject({ hang: true, on: 'validate' });
    const slow = await collectingGarbage(rejection(start({ requestTimeoutMs: 300 }).started));
    expect(slow).toBeInstanceOf(RetryableError);
    expect(slow?.message).toContain('no answer within 300 ms');
  });

  it('is skipped with validateApiKey: false, and when the endpoint is not a Logs API v2 address', async () => {
    await start({ validateApiKey: false, apiKey: 'a-wrong-key' }).started;
    const proxied = start({ endpoint: `${new URL(peer.endpoint).origin}/ingest` });
    await proxied.started;
    expect(proxied.logs()).toContain('API key not checked at start');
    expect(peer.keyChecks).toEqual([]);
    expect(peer.violations).toEqual([]);
  });
});
