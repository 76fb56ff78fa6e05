import { afterEach, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { connect } from 'node:net';
import { request } from 'node:http';
import { BackpressureError, ConfigError, type EventConsumer, type FerryEvent } from '@ferry/sdk';
import { conformanceCases, createTestContext, resolveConfig, type TestContext } from '@ferry/sdk/testkit';
import webhook from './index.js';
import type { WebhookReceiver } from './receiver.js';
import type { WebhookConfig } from './config.js';

const SECRET = 'whsec_test_secret';
const started: WebhookReceiver[] = [];
afterEach(async () => {
  for (const r of started.splice(0)) await r.shutdown();
});

const event = (n: number): FerryEvent => ({ id: `evt_${n}`, type: 'grant.created', createdAt: '2026-03-01T12:00:00Z', data: { n, city: 'Zürich' } });

async function start(config: Partial<WebhookConfig> = {}, next?: EventConsumer): Promise<{ url: string; ctx: TestContext<WebhookConfig>; receiver: WebhookReceiver }> {
  const ctx = createTestContext(resolveConfig(webhook.configSchema, { endpoint: '127.0.0.1:0', secret: SECRET, requestTimeoutMs: 500, ...config }), { id: 'webhook', ...(next ? { next } : {}) });
  const receiver = webhook.create(ctx) as WebhookReceiver;
  await receiver.start();
  started.push(receiver);
  return { url: `http://127.0.0.1:${receiver.port}${ctx.config.path}`, ctx, receiver };
}

function sign(body: string, timestamp = Math.floor(Date.now() / 1000), secret = SECRET): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-grantex-timestamp': String(timestamp),
    'x-grantex-signature-v2': `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`,
  };
}

async function post(url: string, body: string | Buffer, headers: Record<string, string>): Promise<{ status: number; headers: Headers; body: string }> {
  const response = await fetch(url, { method: 'POST', headers, body });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

describe('the webhook receiver', () => {
  describe('SDK conformance', () => {
    for (const c of conformanceCases(webhook, {
      config: { endpoint: '127.0.0.1:0', secret: SECRET },
      invalidConfigs: [
        { config: { endpoint: '127.0.0.1:0' }, because: 'grantex mode needs a secret' },
        { config: { endpoint: '127.0.0.1:0', mode: 'generic', secret: SECRET }, because: 'generic mode needs a token' },
        { config: { endpoint: 'no-port', secret: SECRET }, because: 'the endpoint has no port' },
      ],
    })) it(c.name, c.run);
  });

  it('accepts a signed delivery, answering 200 only once the pipeline accepted it', async () => {
    let release!: () => void;
    const accepted = new Promise<void>((resolve) => (release = resolve));
    const handed: FerryEvent[] = [];
    const { url } = await start({}, { consume: async (events) => { handed.push(...events); await accepted; } });
    const body = JSON.stringify(event(1));
    let answered = false;
    const reply = post(url, body, sign(body)).then((r) => {
      answered = true;
      return r;
    });
    while (handed.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(false);
    release();
    const response = await reply;
    expect([response.status, JSON.parse(response.body)]).toEqual([200, { accepted: 1 }]);
    expect(handed).toEqual([event(1)]);
  });

  it('verifies the signature over the raw bytes received, not a re-serialization', async () => {
    const { url, ctx } = await start();
    const body = `{ "id":"evt_9", "type":"grant.created", "createdAt":"2026-03-01T12:00:00Z", "data":{"a": 1.0} }`;
    expect((await post(url, body, sign(body))).status).toBe(200);
    expect(ctx.received).toEqual([{ id: 'evt_9', type: 'grant.created', createdAt: '2026-03-01T12:00:00Z', data: { a: 1 } }]);
  });

  it('refuses bad, missing, stale and wrong-secret signatures with 401, and none reaches the pipeline', async () => {
    const { url, ctx } = await start();
    const body = JSON.stringify(event(2));
    const cases: Array<[Record<string, string>, string]> = [
      [{ 'content-type': 'application/json' }, 'missing X-Grantex-Signature-V2'],
      [{ ...sign(body), 'x-grantex-signature-v2': `sha256=${'0'.repeat(64)}` }, 'does not match'],
      [sign(body, Math.floor(Date.now() / 1000), 'other-secret'), 'does not match'],
      [sign(body, Math.floor(Date.now() / 1000) - 301), 'outside the 300 s tolerance'],
      [sign(body, Math.floor(Date.now() / 1000) + 400), 'outside the 300 s tolerance'],
      [{ ...sign(body), 'x-grantex-timestamp': 'yesterday' }, 'invalid X-Grantex-Timestamp'],
    ];
    for (const [headers, reason] of cases) {
      const response = await post(url, body, headers);
      expect(response.status).toBe(401);
      expect(JSON.parse(response.body).message).toContain(reason);
    }
    expect(ctx.received).toEqual([]);
    expect(ctx.counts.get('refused_stale')).toBe(2);
    expect(JSON.stringify(ctx.logs)).not.toContain(SECRET);
  });

  it('accepts the legacy body-only signature only when enabled', async () => {
    const body = JSON.stringify(event(3));
    const legacy = { 'content-type': 'application/json', 'x-grantex-signature': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` };
    const strict = await start();
    expect((await post(strict.url, body, legacy)).status).toBe(401);
    const lenient = await start({ legacySignature: true });
    expect((await post(lenient.url, body, legacy)).status).toBe(200);
    expect(lenient.ctx.received).toEqual([event(3)]);
  });

  it('refuses a malformed body with 400, a wrong path with 404 and a wrong method with 405', async () => {
    const { url, ctx } = await start();
    for (const body of ['{not json', JSON.stringify({ type: 'grant.created', data: {} }), JSON.stringify([event(1)])]) {
      expect((await post(url, body, sign(body))).status).toBe(400);
    }
    expect((await post(url.replace('/webhooks/grantex', '/other'), '{}', {})).status).toBe(404);
    expect((await fetch(url)).status).toBe(405);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect(ctx.received).toEqual([]);
  });

  it('refuses a body over the limit with 413 without reading it all', async () => {
    const { url, ctx } = await start({ maxBodyBytes: 2048 });
    expect((await post(url, 'x'.repeat(5000), sign('x'.repeat(5000)))).status).toBe(413);
    // A body without Content-Length, streamed slowly: the answer comes once the limit is passed.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { ...sign('ignored'), 'transfer-encoding': 'chunked' } }, (res) => resolve(res.statusCode ?? 0));
      req.on('error', reject);
      req.write('y'.repeat(3000));
      // never end: the receiver must answer without the rest
    });
    expect(status).toBe(413);
    expect(ctx.received).toEqual([]);
  });

  it('answers 503 with Retry-After when the pipeline is full, and the sender retries later', async () => {
    let full = true;
    const handed: FerryEvent[] = [];
    const { url } = await start({}, {
      consume: async (events, options) => {
        expect(options?.wait).toBe(false);
        if (full) throw new BackpressureError('pipeline "events" is full', 2500);
        handed.push(...events);
      },
    });
    const body = JSON.stringify(event(4));
    const busy = await post(url, body, sign(body));
    expect([busy.status, busy.headers.get('retry-after')]).toEqual([503, '3']);
    full = false;
    expect((await post(url, body, sign(body))).status).toBe(200);
    expect(handed).toEqual([event(4)]);
  });

  it('cuts off a slow client and keeps serving others', async () => {
    const { url, receiver } = await start({ requestTimeoutMs: 300 });
    const slow = connect(receiver.port as number, '127.0.0.1');
    const closed = new Promise<void>((resolve) => slow.on('close', () => resolve()));
    let answer = '';
    slow.on('data', (d: Buffer) => (answer += d.toString()));
    slow.write('POST /webhooks/grantex HTTP/1.1\r\nHost: x\r\n');
    const body = JSON.stringify(event(5));
    expect((await post(url, body, sign(body))).status).toBe(200);
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('generic mode: a bearer token, and a JSON event, an array or NDJSON, all or nothing', async () => {
    const { url, ctx } = await start({ mode: 'generic', token: 'tok_123456', secret: undefined });
    const auth = { authorization: 'Bearer tok_123456', 'content-type': 'application/json' };
    expect((await post(url, JSON.stringify(event(1)), { 'content-type': 'application/json' })).status).toBe(401);
    expect((await post(url, JSON.stringify(event(1)), { ...auth, authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await post(url, JSON.stringify(event(1)), auth)).status).toBe(200);
    expect((await post(url, JSON.stringify([event(2), event(3)]), auth)).status).toBe(200);
    const ndjson = { ...auth, 'content-type': 'application/x-ndjson' };
    expect((await post(url, `${JSON.stringify(event(4))}\n${JSON.stringify(event(5))}\n`, ndjson)).status).toBe(200);
    const bad = await post(url, `${JSON.stringify(event(6))}\n{"id":"x"}\n`, ndjson);
    expect([bad.status, JSON.parse(bad.body).message]).toEqual([400, expect.stringMatching(/^line 2: /)]);
    expect(ctx.received.map((e) => e.id)).toEqual(['evt_1', 'evt_2', 'evt_3', 'evt_4', 'evt_5']);
  });

  it('reports a port already in use as a configuration error naming the endpoint', async () => {
    const first = await start();
    const ctx = createTestContext(resolveConfig(webhook.configSchema, { endpoint: `127.0.0.1:${first.receiver.port}`, secret: SECRET }));
    const error = await webhook.create(ctx).start?.().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(`cannot listen on 127.0.0.1:${first.receiver.port} (receivers.test.endpoint): the port is in use`);
  });
});
