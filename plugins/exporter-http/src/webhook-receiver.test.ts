import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, createBatch, textOf, type Receiver } from '@ferry/sdk';
import { createTestContext, freePort, resolveConfig } from '@ferry/sdk/testkit';
import webhook from '@ferry/receiver-webhook';
import http from './index.js';

// Ferry's http exporter against Ferry's own webhook receiver (generic mode, with a secret):
// the receiver verifies the exporter's signature, over TLS too.
const SECRET = 'whsec_ferry_to_ferry_0123456789';
const LINES = [
  '{"id":"evt_1","type":"grant.created","createdAt":"2026-03-01T12:00:00Z","data":{"limit":9007199254740993,"2":"b","1":"a"}}',
  '{"id":"evt_2", "type":"token.issued","createdAt":"2026-03-01T12:00:01Z","data":{"s":"\\u00e9"}}',
];

let dir: string;
const stops: Array<() => Promise<void>> = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-http-tls-'));
  // A throwaway self-signed certificate for 127.0.0.1, made with the system's openssl.
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
  ], { stdio: 'ignore' });
});
afterAll(async () => {
  for (const stop of stops.splice(0)) await stop();
  await rm(dir, { recursive: true, force: true });
});

async function receiver(config: Record<string, unknown>) {
  const port = await freePort();
  const ctx = createTestContext(resolveConfig(webhook.configSchema, { endpoint: `127.0.0.1:${port}`, path: '/ingest', mode: 'generic', secret: SECRET, ...config }), { id: 'webhook' });
  const instance: Receiver = webhook.create(ctx);
  await instance.start?.();
  stops.push(async () => instance.shutdown?.());
  return { port, ctx };
}

function exporter(config: Record<string, unknown>) {
  const instance = http.create(createTestContext(resolveConfig(http.configSchema, { secret: SECRET, ...config }), { id: 'http' }));
  stops.push(async () => instance.shutdown?.());
  return instance;
}

const signal = new AbortController().signal;

describe('the http exporter against Ferry\'s webhook receiver', () => {
  it.each(['json', 'ndjson'] as const)('is verified and accepted in generic mode with the same secret (%s), every event\'s text intact', async (format) => {
    const { port, ctx } = await receiver({});
    const instance = exporter({ url: `http://127.0.0.1:${port}/ingest`, format });
    await instance.start?.();
    expect(await instance.export(createBatch({ lines: LINES }), { signal, attempt: 1 })).toBeUndefined();
    expect(ctx.received.map((event) => textOf(event))).toEqual(LINES);
  });

  it('is refused with another secret, and the exporter reports a configuration error', async () => {
    const { port, ctx } = await receiver({});
    const instance = exporter({ url: `http://127.0.0.1:${port}/ingest`, secret: 'another-secret-0000' });
    const error = await instance.export(createBatch({ lines: LINES }), { signal, attempt: 1 }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('X-Ferry-Signature-V2 does not match');
    expect(ctx.received).toEqual([]);
  });

  it('reaches an HTTPS receiver with a private CA (tls.caFile), and refuses its certificate without one', async () => {
    const { port, ctx } = await receiver({ tls: { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') }, timestampHeader: 'X-Sig-Time', signatureHeader: 'X-Sig' });
    const url = `https://127.0.0.1:${port}/ingest`;
    const trusting = exporter({ url, tls: { caFile: join(dir, 'cert.pem') }, timestampHeader: 'X-Sig-Time', signatureHeader: 'X-Sig' });
    await trusting.start?.();
    expect(await trusting.export(createBatch({ lines: LINES }), { signal, attempt: 1 })).toBeUndefined();
    expect(ctx.received.map((event) => event.id)).toEqual(['evt_1', 'evt_2']);
    const untrusting = exporter({ url, timestampHeader: 'X-Sig-Time', signatureHeader: 'X-Sig' });
    await untrusting.start?.();
    const error = await untrusting.export(createBatch({ lines: LINES }), { signal, attempt: 1 }).catch((e: unknown) => e as Error);
    expect((error as Error).message).toMatch(/^cannot reach https:\/\/127\.0\.0\.1:\d+: .*(self-signed|SELF_SIGNED)/);
    const missing = exporter({ url, tls: { caFile: join(dir, 'missing.pem') } });
    expect(await missing.start?.().catch((e: unknown) => e)).toEqual(new ConfigError(`cannot read exporters.http.tls.caFile (${join(dir, 'missing.pem')}): ENOENT`));
  });
});
