import { afterEach, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { BackpressureError, ShutdownError, type FerryEvent } from '@ferry/sdk';
import { conformanceCases } from '@ferry/sdk/testkit';
import { deliverWebhooks } from '@ferry/generator';
import webhook from './index.js';
import { parseEndpoint } from './endpoint.js';
import { deferred, event, post, running, SECRET, sign, startReceiver } from './testing.js';

afterEach(async () => {
  for (const r of running.splice(0)) await r.shutdown();
});

describe('the webhook receiver', () => {
  describe('SDK conformance', () => {
    for (const c of conformanceCases(webhook, {
      config: { endpoint: '127.0.0.1:0', secret: SECRET },
      invalidConfigs: [
        { config: { endpoint: '127.0.0.1:0' }, because: 'grantex mode needs a secret' },
        { config: { endpoint: '127.0.0.1:0', mode: 'generic' }, because: 'generic mode needs a token or a secret' },
        { config: { endpoint: 'no-port', secret: SECRET }, because: 'the endpoint has no port' },
        { config: { endpoint: '::1:8788', secret: SECRET }, because: 'an IPv6 host needs brackets' },
        { config: { secret: SECRET, tls: { certFile: 'cert.pem' } }, because: 'TLS needs a key file' },
        { config: { secret: SECRET, maxBodyBytes: 10 }, because: 'maxBodyBytes is at least 1024' },
      ],
    })) it(c.name, c.run);
  });

  it('reads host and port from the endpoint, IPv6 in brackets, an empty host meaning every interface', () => {
    expect(parseEndpoint('127.0.0.1:8788')).toEqual({ host: '127.0.0.1', port: 8788 });
    expect(parseEndpoint('[::]:8788')).toEqual({ host: '::', port: 8788 });
    expect(parseEndpoint(':8788')).toEqual({ host: '0.0.0.0', port: 8788 });
  });

  it('answers 200 only once the pipeline accepted the delivery, and keeps serving others meanwhile', async () => {
    const accepted = deferred();
    const consumed = deferred();
    const handed: FerryEvent[] = [];
    const { url } = await startReceiver({}, {
      consume: async (events) => {
        handed.push(...events);
        consumed.resolve();
        await accepted.promise;
      },
    });
    const body = JSON.stringify(event(1));
    let answered = false;
    const reply = post(url, body, sign(body)).then((answer) => {
      answered = true;
      return answer;
    });
    await consumed.promise;
    // Another request is answered while the delivery's events are not yet accepted…
    expect((await fetch(`${url}/health`)).status).toBe(200);
    // …but the delivery is not.
    expect(answered).toBe(false);
    accepted.resolve();
    const response = await reply;
    expect([response.status, JSON.parse(response.body)]).toEqual([200, { accepted: 1 }]);
    expect(handed).toEqual([event(1)]);
  });

  it('verifies the signature over the raw bytes received, not a re-serialization', async () => {
    const { url, ctx } = await startReceiver();
    const body = Buffer.from(`{ "id":"evt_9", "type":"grant.created", "createdAt":"2026-03-01T12:00:00Z", "data":{"a": 1.0, "who":"Zoë"} }`);
    expect((await post(url, body, sign(body))).status).toBe(200);
    expect(ctx.received).toEqual([{ id: 'evt_9', type: 'grant.created', createdAt: '2026-03-01T12:00:00Z', data: { a: 1, who: 'Zoë' } }]);
    // The same event, re-serialized by someone on the way: the signature no longer holds.
    const reserialized = JSON.stringify(JSON.parse(body.toString('utf8')));
    expect((await post(url, reserialized, sign(body))).status).toBe(401);
  });

  it('refuses bad, missing, stale and wrong-secret signatures with 401 and a reason; none reaches the pipeline', async () => {
    const { url, ctx } = await startReceiver();
    const body = JSON.stringify(event(2));
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[Record<string, string>, string | RegExp]> = [
      [{ 'content-type': 'application/json' }, 'missing X-Grantex-Signature-V2'],
      [{ ...sign(body), 'x-grantex-signature-v2': `sha256=${'0'.repeat(64)}` }, 'X-Grantex-Signature-V2 does not match'],
      [{ ...sign(body), 'x-grantex-signature-v2': 'not-a-signature' }, 'X-Grantex-Signature-V2 does not match'],
      [sign(body, now, 'other-secret'), 'X-Grantex-Signature-V2 does not match'],
      // A delivery captured and replayed later, or signed by a clock far off.
      [sign(body, now - 301), /^X-Grantex-Timestamp is 30[12] s behind this receiver's clock, beyond the 300 s tolerance: check both clocks \(NTP\), or the delivery was held back or replayed$/],
      [sign(body, now + 400), /^X-Grantex-Timestamp is (400|399) s ahead of this receiver's clock, beyond the 300 s tolerance/],
      [{ ...sign(body), 'x-grantex-timestamp': 'yesterday' }, 'missing or invalid X-Grantex-Timestamp'],
      // The signature is valid for its own timestamp, but the timestamp sent was changed.
      [{ ...sign(body, now - 10), 'x-grantex-timestamp': String(now) }, 'X-Grantex-Signature-V2 does not match'],
    ];
    for (const [headers, reason] of cases) {
      const answer = await post(url, body, headers);
      expect([answer.status, JSON.parse(answer.body).message]).toEqual([401, typeof reason === 'string' ? reason : expect.stringMatching(reason)]);
    }
    expect(ctx.received).toEqual([]);
    expect([ctx.counts.get('refused_signature'), ctx.counts.get('refused_stale')]).toEqual([6, 2]);
    // One warning per cause for the burst, saying how many; the secret is never logged.
    const warnings = ctx.logs.filter((l) => l.level === 'warn');
    expect(warnings.map((w) => [w.message, w.fields.refusedSinceLastWarning])).toEqual([
      ["webhook delivery refused: not authenticated (check the sender's secret or token)", 1],
      ["webhook delivery refused: its timestamp is too far from this machine's clock (clock skew or a replayed delivery)", 1],
    ]);
    expect(ctx.logs.filter((l) => l.level === 'debug' && l.message === 'webhook request refused')).toHaveLength(8);
    expect(JSON.stringify(ctx.logs)).not.toContain(SECRET);
  });

  it('names the clock skew when it refuses a stale timestamp, never pointing at the secret', async () => {
    const { url, ctx } = await startReceiver();
    const body = JSON.stringify(event(8));
    // Signed with the right secret by a sender whose clock is ten minutes slow.
    const answer = await post(url, body, sign(body, Math.floor(Date.now() / 1000) - 600));
    expect(answer.status).toBe(401);
    const warnings = ctx.logs.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain('clock skew');
    expect(warnings[0]?.message).not.toContain('secret');
    expect(warnings[0]?.fields.reason).toMatch(/^X-Grantex-Timestamp is 60[01] s behind this receiver's clock, beyond the 300 s tolerance/);
    expect(ctx.received).toEqual([]);
  });

  it('accepts a delivery signed within the tolerance', async () => {
    const { url, ctx } = await startReceiver({ toleranceSeconds: 600 });
    const body = JSON.stringify(event(7));
    expect((await post(url, body, sign(body, Math.floor(Date.now() / 1000) - 500))).status).toBe(200);
    expect(ctx.received).toEqual([event(7)]);
  });

  it('accepts the legacy body-only signature only when enabled', async () => {
    const body = JSON.stringify(event(3));
    const legacy = { 'content-type': 'application/json', 'x-grantex-signature': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` };
    const strict = await startReceiver();
    expect((await post(strict.url, body, legacy)).status).toBe(401);
    const lenient = await startReceiver({ legacySignature: true });
    expect((await post(lenient.url, body, legacy)).status).toBe(200);
    expect((await post(lenient.url, body, { ...legacy, 'x-grantex-signature': `sha256=${'1'.repeat(64)}` })).status).toBe(401);
    expect(strict.ctx.received).toEqual([]);
    expect(lenient.ctx.received).toEqual([event(3)]);
  });

  it('refuses a malformed body with 400, a wrong path with 404 and a wrong method with 405', async () => {
    const { url, ctx } = await startReceiver();
    for (const body of ['{not json', JSON.stringify({ type: 'grant.created', data: {} }), JSON.stringify([event(1)])]) {
      const answer = await post(url, body, sign(body));
      expect([answer.status, JSON.parse(answer.body).error]).toEqual([400, 'malformed']);
    }
    expect((await post(url.replace('/webhooks/grantex', '/other'), '{}', {})).status).toBe(404);
    const get = await fetch(url);
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect((await post(`${url}/health`, '{}', {})).status).toBe(405);
    expect(ctx.received).toEqual([]);
    expect([ctx.counts.get('refused_malformed'), ctx.counts.get('refused_path'), ctx.counts.get('refused_method')]).toEqual([3, 1, 2]);
  });

  it('refuses a declared Content-Length over the limit with 413 before reading the body', async () => {
    const { url, ctx } = await startReceiver({ maxBodyBytes: 2048 });
    const body = 'x'.repeat(5000);
    expect((await post(url, body, sign(body))).status).toBe(413);
    expect(ctx.counts.get('refused_too_large')).toBe(1);
  });

  it('answers 413 as soon as a streamed body passes the limit, without waiting for the rest', async () => {
    const { url, ctx } = await startReceiver({ maxBodyBytes: 2048 });
    const answered = deferred<number>();
    const req = request(url, { method: 'POST', headers: { ...sign('ignored'), 'transfer-encoding': 'chunked' } }, (res) => answered.resolve(res.statusCode ?? 0));
    req.on('error', () => undefined);
    // Slowly, and never ending: only an answer given before the end can arrive.
    req.write('y'.repeat(1500));
    req.write('y'.repeat(1500));
    expect(await answered.promise).toBe(413);
    req.destroy();
    expect(ctx.received).toEqual([]);
  });

  it('answers 503 with Retry-After when the pipeline is full, and accepts the sender\'s retry', async () => {
    let full = true;
    const handed: FerryEvent[] = [];
    const { url, ctx } = await startReceiver({}, {
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
    expect(ctx.counts.get('refused_backpressure')).toBe(1);
  });

  it('answers 503 when the pipeline is shutting down, and 500 (to be retried) when it fails', async () => {
    let failure: Error = new ShutdownError('pipeline "events" is shutting down');
    const { url, ctx } = await startReceiver({}, {
      consume: async () => {
        throw failure;
      },
    });
    const body = JSON.stringify(event(5));
    const stopping = await post(url, body, sign(body));
    expect([stopping.status, stopping.headers.get('retry-after')]).toEqual([503, '5']);
    failure = new Error('processor "tag" failed');
    expect((await post(url, body, sign(body))).status).toBe(500);
    expect(ctx.counts.get('refused_shutdown')).toBe(1);
    expect(ctx.logs.some((l) => l.level === 'error' && l.fields.error === 'processor "tag" failed')).toBe(true);
  });

  it('generic mode: a bearer token, and a JSON event, an array or NDJSON, all or nothing', async () => {
    const { url, ctx } = await startReceiver({ mode: 'generic', token: 'tok_123456', secret: undefined });
    const auth = { authorization: 'Bearer tok_123456', 'content-type': 'application/json' };
    const ndjson = { ...auth, 'content-type': 'application/x-ndjson' };
    expect((await post(url, JSON.stringify(event(1)), { 'content-type': 'application/json' })).status).toBe(401);
    expect((await post(url, JSON.stringify(event(1)), { ...auth, authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await post(url, JSON.stringify(event(1)), { ...auth, authorization: 'Bearer tok_1234567' })).status).toBe(401);
    expect(JSON.parse((await post(url, JSON.stringify(event(1)), auth)).body)).toEqual({ accepted: 1 });
    expect(JSON.parse((await post(url, JSON.stringify([event(2), event(3)]), { ...auth, authorization: 'bearer tok_123456' })).body)).toEqual({ accepted: 2 });
    expect(JSON.parse((await post(url, `${JSON.stringify(event(4))}\r\n\n${JSON.stringify(event(5))}\n`, ndjson)).body)).toEqual({ accepted: 2 });

    const badLine = await post(url, `${JSON.stringify(event(6))}\n{"id":"x"}\n`, ndjson);
    expect([badLine.status, JSON.parse(badLine.body).message]).toEqual([400, expect.stringMatching(/^line 2: "type" must be a non-empty string/)]);
    const badIndex = await post(url, JSON.stringify([event(7), event(8), { ...event(9), data: [] }]), auth);
    expect([badIndex.status, JSON.parse(badIndex.body).message]).toEqual([400, expect.stringMatching(/^event 2: "data" must be a JSON object/)]);
    expect((await post(url, '[]', auth)).status).toBe(400);
    // Nothing of a refused body was accepted.
    expect(ctx.received.map((e) => e.id)).toEqual(['evt_1', 'evt_2', 'evt_3', 'evt_4', 'evt_5']);
    expect(ctx.counts.get('refused_token')).toBe(3);
    expect(JSON.stringify(ctx.logs)).not.toContain('tok_123456');
  });

  it('accepts every delivery of the Grantex-compatible generator, each once', async () => {
    const { url, ctx } = await startReceiver();
    const run = deliverWebhooks({ url, secret: SECRET, total: 40, concurrency: 4, seed: 11 });
    await run.done;
    expect([...run.statuses.keys()]).toEqual([200]);
    expect(ctx.received.map((e) => e.id).sort()).toEqual(run.acknowledged.map((e) => e.id).sort());
    expect(new Set(ctx.received.map((e) => e.id)).size).toBe(40);
  });
});
