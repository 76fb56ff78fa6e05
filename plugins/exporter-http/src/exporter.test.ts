import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, createBatch, isPermanent, PermanentError, RetryableError, retryAfterOf, type Batch, type ExportResult, type FerryEvent } from '@ferry/sdk';
import { conformanceCases, createTestContext, resolveConfig, type TestContext } from '@ferry/sdk/testkit';
import http from './index.js';
import type { HttpConfig } from './config.js';
import { startHttpPeer, type HttpPeer } from './testing/index.js';

const SECRET = 'whsec_http_exporter_0123456789';
const TOKEN = 'siem-token-0123456789abcdef';
let peer: HttpPeer;
beforeAll(async () => {
  peer = await startHttpPeer({ secret: SECRET, authorization: `Bearer ${TOKEN}` });
});
afterAll(() => peer.close());
beforeEach(() => peer.clear());

const events = (n: number, from = 0): FerryEvent[] =>
  Array.from({ length: n }, (_, i) => ({ id: `evt_${from + i}`, type: 'grant.created', createdAt: '2026-03-01T12:00:00Z', data: { n: from + i } }));

interface Subject {
  readonly ctx: TestContext<HttpConfig>;
  send(batch: Batch | readonly FerryEvent[], signal?: AbortSignal): Promise<ExportResult | void>;
}
const running: Array<{ shutdown?(): Promise<void> }> = [];
function exporter(config: Record<string, unknown> = {}): Subject {
  const ctx = createTestContext(resolveConfig(http.configSchema, { url: peer.url, secret: SECRET, auth: { type: 'bearer', token: TOKEN }, ...config }), { id: 'http' });
  const instance = http.create(ctx);
  running.push(instance);
  return {
    ctx,
    send: (batch, signal = new AbortController().signal) => instance.export(Array.isArray(batch) ? createBatch(batch as FerryEvent[]) : (batch as Batch), { signal, attempt: 1 }),
  };
}
afterAll(async () => {
  for (const instance of running) await instance.shutdown?.();
});
const failure = (promise: Promise<unknown>): Promise<Error> =>
  promise.then(
    () => {
      throw new Error('expected the export to fail');
    },
    (error: unknown) => error as Error,
  );

/** Lines parsing and re-serializing would change: digits past 2^53, integer-like keys, escapes, spacing. */
const LINES = [
  '{"id":"evt_big", "type":"budget.threshold","createdAt":"2026-03-01T12:00:00Z","data":{"spent":12345678901234567891,"10":"ten","2":"two","s":"caf\\u00e9"}}',
  '{"id":"evt_plain","type":"grant.created","createdAt":"2026-03-01T12:00:01Z","data":{}}',
];

describe('the http exporter', () => {
  describe('SDK conformance', () => {
    for (const c of conformanceCases(http, {
      get config() {
        return { url: peer.url, secret: SECRET, auth: { type: 'bearer', token: TOKEN } };
      },
      invalidConfigs: [
        { config: {}, because: 'url is required' },
        { config: { url: 'ftp://example.com/x' }, because: 'the url is http or https' },
        { config: { url: 'http://127.0.0.1/x', format: 'xml' }, because: 'format is json or ndjson' },
        { config: { url: 'http://127.0.0.1/x', auth: { type: 'bearer' } }, because: 'bearer auth needs a token' },
        { config: { url: 'http://127.0.0.1/x', auth: { type: 'basic', username: 'u' } }, because: 'basic auth needs a password' },
        { config: { url: 'http://127.0.0.1/x', headers: { 'bad header': 'v' } }, because: 'a header name has no space' },
        { config: { url: 'http://127.0.0.1/x', tls: { certFile: 'c.pem' } }, because: 'a client certificate needs its key' },
      ],
      exportEvents: events(3),
    })) it(c.name, c.run);
  });

  describe('on the wire', () => {
    it('sends a signed JSON array of the exact archived texts, the batch id as idempotency key', async () => {
      const batch = createBatch({ lines: LINES });
      expect(await exporter().send(batch)).toBeUndefined();
      expect(peer.violations).toEqual([]);
      expect(peer.received).toEqual(LINES);
      expect(peer.requests).toEqual([{ format: 'json', events: 2, bytes: Buffer.byteLength(`[${LINES.join(',')}]`), status: 200, idempotencyKey: batch.id }]);
    });

    it('sends NDJSON with format: ndjson, and a batch sent again carries the same idempotency key', async () => {
      const subject = exporter({ format: 'ndjson' });
      const batch = createBatch({ lines: LINES });
      await subject.send(batch);
      await subject.send(createBatch({ lines: LINES }));
      expect(peer.violations).toEqual([]);
      expect(peer.received).toEqual([...LINES, ...LINES]);
      expect(peer.requests.map((r) => [r.format, r.idempotencyKey])).toEqual([
        ['ndjson', batch.id],
        ['ndjson', batch.id],
      ]);
    });

    it('adds custom headers, basic auth, and renamed signature and idempotency headers', async () => {
      const custom = await startHttpPeer({
        secret: SECRET,
        authorization: `Basic ${Buffer.from('ferry:pa55').toString('base64')}`,
        headers: { 'x-api-key': 'k-123' },
        timestampHeader: 'X-Sig-Time',
        signatureHeader: 'X-Sig',
        idempotencyHeader: 'X-Batch',
      });
      try {
        const subject = exporter({ url: custom.url, auth: { type: 'basic', username: 'ferry', password: 'pa55' }, headers: { 'X-Api-Key': 'k-123' }, timestampHeader: 'X-Sig-Time', signatureHeader: 'X-Sig', idempotencyHeader: 'X-Batch' });
        expect(await subject.send(events(3))).toBeUndefined();
        expect(custom.violations).toEqual([]);
        expect(custom.refused).toEqual([]);
        expect(custom.ids()).toEqual(['evt_0', 'evt_1', 'evt_2']);
      } finally {
        await custom.close();
      }
    });

    it('sends no signature without a secret, and a receiver checking one refuses a wrong secret (a ConfigError, never echoing it)', async () => {
      const unsigned = await startHttpPeer({});
      try {
        expect(await exporter({ url: unsigned.url, secret: undefined, auth: undefined }).send(events(1))).toBeUndefined();
        expect(unsigned.violations).toEqual([]);
      } finally {
        await unsigned.close();
      }
      const error = await failure(exporter({ secret: 'not-the-secret-9876' }).send(events(1)));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toBe(`${new URL(peer.url).origin} refused the credentials (401: {"error":"X-Ferry-Signature-V2 does not match"}): check exporters.http.auth, .headers and .secret`);
      expect(peer.refused).toEqual(['X-Ferry-Signature-V2 does not match']);
    });
  });

  describe('limits', () => {
    it('splits a request refused as too large (413) in halves, each half signed with its own batch id, delivering every event once in order', async () => {
      peer.tooLarge = { events: 3 };
      expect(await exporter().send(events(10))).toBeUndefined();
      expect(peer.violations).toEqual([]);
      expect(peer.ids()).toEqual(events(10).map((e) => e.id));
      expect(peer.requests.filter((r) => r.status === 413).map((r) => r.events)).toEqual([10, 5, 5]);
      expect(peer.requests.filter((r) => r.status === 200).map((r) => r.events)).toEqual([3, 2, 3, 2]);
    });

    it('dead-letters a single event still refused as too large, and delivers the rest', async () => {
      peer.tooLarge = { bytes: 5_000 };
      const list = [...events(3), { ...events(1, 3)[0]!, data: { blob: 'z'.repeat(6_000) } }, ...events(2, 4)];
      const result = (await exporter().send(list)) as ExportResult;
      expect(result.rejected?.map((r) => r.index)).toEqual([3]);
      expect(isPermanent(result.rejected?.[0]?.error)).toBe(true);
      expect(result.rejected?.[0]?.error.message).toMatch(/^a 60\d\d-byte event was refused as too large even alone \(http:\/\/127\.0\.0\.1:\d+ answered 413: \{"error":"payload too large"\}\)$/);
      expect(peer.ids()).toEqual(['evt_0', 'evt_1', 'evt_2', 'evt_4', 'evt_5']);
    });
  });

  describe('classifying answers', () => {
    it.each([
      [{ status: 408 }, undefined, true],
      [{ status: 429, retryAfter: '7' }, 7000, true],
      [{ status: 500 }, undefined, false],
      [{ status: 503, retryAfter: new Date(Date.now() + 60_000).toUTCString() }, 'date', true],
    ] as const)('retries %o, honouring Retry-After in seconds or as a date', async (fault, wait, pushBack) => {
      peer.inject(fault);
      const error = await failure(exporter().send(events(2)));
      expect(error).toBeInstanceOf(RetryableError);
      expect((error as RetryableError).pushBack).toBe(pushBack);
      if (wait === 'date') expect(retryAfterOf(error)).toBeGreaterThan(50_000);
      else expect(retryAfterOf(error)).toBe(wait);
      expect(peer.received).toEqual([]);
    });

    it('retries a reset, a refused connection and a request with no answer within requestTimeoutMs', async () => {
      peer.inject({ reset: true });
      expect((await failure(exporter().send(events(1)))).message).toMatch(/^cannot reach http:\/\/127\.0\.0\.1:\d+: /);
      const closed = await startHttpPeer();
      await closed.close();
      const refused = await failure(exporter({ url: closed.url }).send(events(1)));
      expect(refused).toBeInstanceOf(RetryableError);
      expect(refused.message).toContain('ECONNREFUSED');
      peer.inject({ hang: true });
      const slow = await failure(exporter({ requestTimeoutMs: 200 }).send(events(1)));
      expect(slow).toBeInstanceOf(RetryableError);
      expect(slow.message).toContain('no answer within 200 ms (requestTimeoutMs)');
    });

    it('stops at once, as retryable, when the host aborts the attempt', async () => {
      peer.inject({ hang: true });
      const controller = new AbortController();
      const pending = failure(exporter().send(events(1), controller.signal));
      await poll(() => peer.requests.length === 1);
      controller.abort(new Error('attempt timed out'));
      const error = await pending;
      expect(error).toBeInstanceOf(RetryableError);
      expect(error.message).toContain('aborted');
    });

    it('dead-letters on 400 with the reason; a redirect and a 403 are configuration errors', async () => {
      peer.inject({ status: 400, body: '{"error":"schema mismatch"}' });
      const refused = await failure(exporter().send(events(2)));
      expect(refused).toBeInstanceOf(PermanentError);
      expect(refused.message).toBe(`${new URL(peer.url).origin} refused the events with 400: {"error":"schema mismatch"}`);
      peer.inject({ status: 308, body: '' });
      const moved = await failure(exporter().send(events(1)));
      expect(moved).toBeInstanceOf(ConfigError);
      expect(moved.message).toContain('redirects (308)');
      peer.inject({ status: 403 });
      expect(await failure(exporter().send(events(1)))).toBeInstanceOf(ConfigError);
    });

    it('never puts a secret, token, password or header value in an error or a log line, even when the receiver echoes them', async () => {
      const subject = exporter({ headers: { 'X-Api-Key': 'hdr-value-5555' } });
      const errors: Error[] = [];
      for (const body of [`bad token ${TOKEN} and ${SECRET}`, 'key hdr-value-5555']) {
        peer.inject({ status: 400, body });
        errors.push(await failure(subject.send(events(1))));
      }
      for (const error of errors) for (const secret of [TOKEN, SECRET, 'hdr-value-5555']) expect(`${error.message} ${String(error.stack)}`).not.toContain(secret);
      expect(errors[0]?.message).toContain('bad token [redacted] and [redacted]');
      expect(JSON.stringify(subject.ctx.logs)).not.toContain(TOKEN);
    });
  });

  describe('outcomes per event', () => {
    it('after a split, retries only the half that failed', async () => {
      peer.tooLarge = { events: 5 };
      peer.inject({ status: 502 }); // the first half's request: the second is not sent in this attempt
      expect(await failure(exporter().send(events(10)))).toBeInstanceOf(RetryableError);
      expect(peer.requests.map((r) => r.status)).toEqual([413, 502]);
      peer.clear();
      peer.tooLarge = { events: 5 };
      peer.inject({ status: 200 });
      peer.inject({ status: 400 });
      const partial = (await exporter().send(events(10))) as ExportResult;
      expect(partial.rejected?.map((r) => r.index)).toEqual([5, 6, 7, 8, 9]);
      expect(partial.rejected?.every((r) => isPermanent(r.error))).toBe(true);
      expect(peer.ids()).toEqual(events(5).map((e) => e.id));
    });
  });
});

async function poll(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
