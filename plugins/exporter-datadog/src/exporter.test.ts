import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, createBatch, isPermanent, PermanentError, RetryableError, retryAfterOf, type Batch, type ExportResult, type FerryEvent } from '@ferry/sdk';
import { conformanceCases, createTestContext, resolveConfig, type TestContext } from '@ferry/sdk/testkit';
import datadog from './index.js';
import type { DatadogConfig } from './config.js';
import { startDatadogPeer, type DatadogPeer } from './testing/index.js';

const KEY = 'dd0123456789abcdef0123456789abcd';
let peer: DatadogPeer;
beforeAll(async () => {
  peer = await startDatadogPeer({ apiKey: KEY });
});
afterAll(() => peer.close());
beforeEach(() => peer.clear());

const TYPES = ['grant.created', 'grant.revoked', 'budget.exhausted', 'token.issued'];
const events = (n: number, data: Record<string, string | number> = {}, from = 0): FerryEvent[] =>
  Array.from({ length: n }, (_, i) => ({ id: `evt_${from + i}`, type: TYPES[(from + i) % TYPES.length] as string, createdAt: '2026-03-01T12:00:00Z', data: { n: from + i, ...data } }));

interface Subject {
  readonly ctx: TestContext<DatadogConfig>;
  send(batch: Batch | readonly FerryEvent[], signal?: AbortSignal): Promise<ExportResult | void>;
}
function exporter(config: Partial<DatadogConfig> = {}): Subject {
  const ctx = createTestContext(resolveConfig(datadog.configSchema, { apiKey: KEY, endpoint: peer.endpoint, ...config }), { id: 'datadog' });
  const instance = datadog.create(ctx);
  return {
    ctx,
    send: (batch, signal = new AbortController().signal) => instance.export(Array.isArray(batch) ? createBatch(batch as FerryEvent[]) : (batch as Batch), { signal, attempt: 1 }),
  };
}
const failure = (promise: Promise<unknown>): Promise<Error> =>
  promise.then(
    () => {
      throw new Error('expected the export to fail');
    },
    (error: unknown) => error as Error,
  );
const receivedIds = () => peer.received.map((e) => (JSON.parse(e.message) as { id: string }).id);

describe('the datadog exporter', () => {
  describe('SDK conformance', () => {
    for (const c of conformanceCases(datadog, {
      get config() {
        return { apiKey: KEY, endpoint: peer.endpoint };
      },
      invalidConfigs: [
        { config: {}, because: 'apiKey is required' },
        { config: { apiKey: '' }, because: 'apiKey cannot be empty' },
        { config: { apiKey: KEY, tags: ['a,b'] }, because: 'a tag cannot hold a comma' },
        { config: { apiKey: KEY, site: 'https://datadoghq.eu' }, because: 'site is a host name, not a URL' },
        { config: { apiKey: KEY, compression: 'zstd' }, because: 'compression is gzip or none' },
        { config: { apiKey: KEY, batchsize: 10 }, because: 'unknown options are refused' },
      ],
      exportEvents: events(3),
    })) it(c.name, c.run);
  });

  describe('on the wire', () => {
    it('maps each event to the seed\'s entry with the seed defaults, message being the exact archived line', async () => {
      // Lines as Ferry archived them, spacing and escapes included: the message must be this text, not a re-serialization.
      const lines = ['{"id":"evt_a", "type":"grant.created","createdAt":"2026-03-01T12:00:00Z","data":{"note":"caf\\u00e9 \\"quoted\\""}}', '{"id":"evt_b","type":"budget.exhausted","createdAt":"2026-03-01T12:00:01Z","data":{"emoji":"🛳"}}'];
      expect(await exporter().send(createBatch({ lines }))).toBeUndefined();
      expect(peer.violations).toEqual([]);
      expect(peer.received).toEqual([
        { ddsource: 'grantex', ddtags: 'type:grant.created', hostname: 'grantex-auth-service', service: 'grantex', message: lines[0] },
        { ddsource: 'grantex', ddtags: 'type:budget.exhausted', hostname: 'grantex-auth-service', service: 'grantex', message: lines[1] },
      ]);
    });

    it('applies source, service, hostname and extra tags, and carries the integrity link as the ferry attribute', async () => {
      const linked: FerryEvent = { ...events(1)[0]!, id: 'evt_linked', ferry: { v: 1, writer: 'w1', seq: 7, prev: 'ab12' } };
      const list = [...events(2), linked];
      await exporter({ source: 'ferry', service: 'iam', hostname: 'ferry-1', tags: ['env:prod', 'team:iam'] }).send(list);
      expect(peer.violations).toEqual([]);
      expect(peer.received).toEqual([
        { ddsource: 'ferry', ddtags: 'type:grant.created,env:prod,team:iam', hostname: 'ferry-1', service: 'iam', message: JSON.stringify(list[0]) },
        { ddsource: 'ferry', ddtags: 'type:grant.revoked,env:prod,team:iam', hostname: 'ferry-1', service: 'iam', message: JSON.stringify(list[1]) },
        { ddsource: 'ferry', ddtags: 'type:grant.created,env:prod,team:iam', hostname: 'ferry-1', service: 'iam', message: JSON.stringify(linked), ferry: linked.ferry },
      ]);
    });

    it('gzips the body by default (Content-Encoding: gzip) and sends it plain with compression: none', async () => {
      await exporter().send(events(5));
      await exporter({ compression: 'none' }).send(events(5, {}, 5));
      expect(peer.violations).toEqual([]);
      expect(peer.requests.map((r) => [r.gzip, r.entries, r.status])).toEqual([
        [true, 5, 202],
        [false, 5, 202],
      ]);
      expect(receivedIds()).toEqual(events(10).map((e) => e.id));
    });

    it('takes any 2xx as delivered', async () => {
      peer.inject({ status: 200 });
      peer.inject({ status: 204 });
      const e = exporter();
      expect(await e.send(events(1))).toBeUndefined();
      expect(await e.send(events(1, {}, 1))).toBeUndefined();
      expect(receivedIds()).toEqual(['evt_0', 'evt_1']);
    });
  });

  describe('the intake limits', () => {
    it('keeps every request within 1000 entries and 5 MB, and refuses an entry over 1 MB without sending it truncated, delivering its neighbours', async () => {
      const big = 'x'.repeat(600_000);
      const list = [...events(2500), { ...events(1, {}, 2500)[0]!, data: { blob: big + big } }, ...events(12, { blob: big }, 2501)];
      const result = (await exporter().send(list)) as ExportResult;
      expect(peer.violations).toEqual([]);
      expect(peer.requests.every((r) => r.entries <= 1000 && r.bytes <= 5_000_000 && r.status === 202)).toBe(true);
      // 1000 by count, twice; then 500 small entries and eight 600 kB ones reach 5 MB; the last four go alone.
      expect(peer.requests.map((r) => r.entries)).toEqual([1000, 1000, 508, 4]);
      expect(result.rejected?.map((r) => r.index)).toEqual([2500]);
      const [rejection] = result.rejected ?? [];
      expect(isPermanent(rejection?.error)).toBe(true);
      expect(rejection?.error.message).toMatch(/^log entry of 1200\d{3} bytes is over the Datadog intake's 1000000-byte per-entry limit/);
      expect(peer.received.map((e) => e.message)).toEqual(list.filter((_, i) => i !== 2500).map((e) => JSON.stringify(e)));
    });

    it('splits a request the intake calls too large (413) into halves until they fit, delivering every entry exactly once, in order', async () => {
      peer.tooLarge = { entries: 3 };
      expect(await exporter().send(events(10))).toBeUndefined();
      expect(peer.violations).toEqual([]);
      expect(receivedIds()).toEqual(events(10).map((e) => e.id));
      expect(peer.requests.filter((r) => r.status === 413).map((r) => r.entries)).toEqual([10, 5, 5]);
      expect(peer.requests.filter((r) => r.status === 202).map((r) => r.entries)).toEqual([3, 2, 3, 2]);
    });

    it('rejects a single entry that still gets 413 permanently, with the intake\'s reason, and delivers the rest', async () => {
      peer.tooLarge = { bytes: 50_000 };
      const list = [...events(5), { ...events(1, {}, 5)[0]!, data: { blob: 'y'.repeat(60_000) } }, ...events(4, {}, 6)];
      const result = (await exporter().send(list)) as ExportResult;
      expect(result.rejected?.map((r) => r.index)).toEqual([5]);
      expect(isPermanent(result.rejected?.[0]?.error)).toBe(true);
      expect(result.rejected?.[0]?.error.message).toMatch(/refused a 60\d{3}-byte log entry as too large \(413\): \{"errors":\["Payload too large"\]\}$/);
      expect(receivedIds()).toEqual(list.filter((_, i) => i !== 5).map((e) => e.id));
      expect(new Set(receivedIds()).size).toBe(9);
    });
  });

  describe('classifying answers', () => {
    it.each([
      [{ status: 408 }, undefined],
      [{ status: 429, retryAfter: '7' }, 7000],
      [{ status: 500 }, undefined],
      [{ status: 502 }, undefined],
      [{ status: 503, retryAfter: '0' }, 0],
      [{ status: 504 }, undefined],
    ])('retries %o, honouring Retry-After', async (fault, wait) => {
      peer.inject(fault);
      const error = await failure(exporter().send(events(3)));
      expect(error).toBeInstanceOf(RetryableError);
      expect(retryAfterOf(error)).toBe(wait);
      expect(error.message).toContain(`answered ${fault.status}`);
      expect(peer.received).toEqual([]);
    });

    it('reads a Retry-After given as an HTTP date', async () => {
      peer.inject({ status: 429, retryAfter: new Date(Date.now() + 120_000).toUTCString() });
      const wait = retryAfterOf(await failure(exporter().send(events(1))));
      expect(wait).toBeGreaterThan(100_000);
      expect(wait).toBeLessThanOrEqual(120_000);
    });

    it('retries when the connection is reset, or refused, or gets no answer in requestTimeoutMs', async () => {
      peer.inject({ reset: true });
      const reset = await failure(exporter().send(events(2)));
      expect(reset).toBeInstanceOf(RetryableError);
      expect(reset.message).toMatch(/^cannot reach the Datadog intake \(endpoint 127\.0\.0\.1:\d+\): /);

      const closed = await startDatadogPeer({ apiKey: KEY });
      await closed.close();
      const refused = await failure(exporter({ endpoint: closed.endpoint }).send(events(1)));
      expect(refused).toBeInstanceOf(RetryableError);
      expect(refused.message).toContain('ECONNREFUSED');

      peer.inject({ hang: true });
      const slow = await failure(exporter({ requestTimeoutMs: 200 }).send(events(1)));
      expect(slow).toBeInstanceOf(RetryableError);
      expect(slow.message).toContain('no answer within 200 ms (requestTimeoutMs)');
      expect(peer.received).toEqual([]);
    });

    it('stops at once when the host aborts the attempt, as retryable', async () => {
      peer.inject({ hang: true });
      const controller = new AbortController();
      const pending = failure(exporter().send(events(1), controller.signal));
      await poll(() => peer.faults.length === 0); // the request reached the peer
      controller.abort(new Error('attempt timed out'));
      const error = await pending;
      expect(error).toBeInstanceOf(RetryableError);
      expect(error.message).toContain('aborted');
    });

    it('is permanent on 400, with the intake\'s reason', async () => {
      peer.inject({ status: 400, body: '{"errors":["Bad request: malformed payload"]}' });
      const error = await failure(exporter().send(events(2)));
      expect(error).toBeInstanceOf(PermanentError);
      expect(error.message).toBe('the Datadog intake (endpoint ' + new URL(peer.endpoint).host + ') refused the logs with 400: {"errors":["Bad request: malformed payload"]}');
    });

    it('is a configuration error (permanent) on 401 and 403, naming where the key went and the option, never the key', async () => {
      const wrongKey = 'wrongkey0123456789abcdef01234567';
      const error = await failure(exporter({ apiKey: wrongKey }).send(events(1)));
      expect(error).toBeInstanceOf(ConfigError);
      expect(isPermanent(error)).toBe(true);
      expect(error.message).toBe(
        `Datadog refused the API key sent to endpoint ${new URL(peer.endpoint).host} (403: {"errors":["Forbidden"]}): check exporters.datadog.apiKey — an API key (not an application key) of the organisation on that site`,
      );
      expect(error.message).not.toContain(wrongKey);
      peer.inject({ status: 401, body: '{"errors":["Unauthorized"]}' });
      const unauthorized = await failure(exporter().send(events(1)));
      expect(unauthorized).toBeInstanceOf(ConfigError);
      expect(unauthorized.message).toContain('(401: {"errors":["Unauthorized"]}): check exporters.datadog.apiKey');
      expect(peer.received).toEqual([]);
    });

    it('takes a base URL for endpoint, as a config migrated from Vector or the OpenTelemetry Collector has it', async () => {
      const base = new URL(peer.endpoint).origin;
      expect(await exporter({ endpoint: base }).send(events(3))).toBeUndefined();
      expect(receivedIds()).toEqual(events(3).map((e) => e.id));
      expect(peer.violations).toEqual([]);
    });

    it('is a configuration error on 404, naming the address option, so a wrong endpoint never dead-letters the events', async () => {
      const error = await failure(exporter({ endpoint: `${new URL(peer.endpoint).origin}/not/the/intake` }).send(events(2)));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(/^the Datadog intake \(endpoint 127\.0\.0\.1:\d+\) answered 404.*: check exporters\.datadog\.endpoint — a site, a base URL/);
      expect(peer.received).toEqual([]);
    });

    it('never puts the key in an error, a reason or a log line, even when a proxy echoes it back', async () => {
      const subject = exporter();
      const errors: Error[] = [];
      for (const fault of [{ status: 500, body: `upstream said: key ${KEY} is throttled` }, { status: 403, body: `{"errors":["Forbidden ${KEY}"]}` }, { status: 400, body: KEY }, { reset: true as const }]) {
        peer.inject(fault);
        errors.push(await failure(subject.send(events(2))));
      }
      peer.tooLarge = { entries: 0 };
      const result = (await subject.send(events(2))) as ExportResult;
      errors.push(...(result.rejected ?? []).map((r) => r.error));
      expect(errors).toHaveLength(6);
      for (const error of errors) {
        expect(`${error.message} ${String(error.stack)} ${String((error.cause as Error | undefined)?.message)}`).not.toContain(KEY);
      }
      expect(errors[0]?.message).toContain('upstream said: key [redacted] is throttled');
      expect(JSON.stringify(subject.ctx.logs)).not.toContain(KEY);
    });
  });

  describe('outcomes per event', () => {
    it('reports only the entries of requests that failed, when the others arrived', async () => {
      peer.inject({ status: 202 });
      peer.inject({ status: 502 });
      const result = (await exporter().send(events(1500))) as ExportResult;
      expect(result.rejected?.map((r) => r.index)).toEqual(Array.from({ length: 500 }, (_, i) => 1000 + i));
      expect(result.rejected?.every((r) => r.error instanceof RetryableError)).toBe(true);
      expect(receivedIds()).toEqual(events(1000).map((e) => e.id));
    });

    it('sends nothing more in the attempt once the intake pushes back, so a 429 is not hammered', async () => {
      peer.inject({ status: 202 });
      peer.inject({ status: 429, retryAfter: '2' });
      const result = (await exporter().send(events(2500))) as ExportResult;
      expect(peer.requests.map((r) => r.status)).toEqual([202, 429]);
      expect(result.rejected).toHaveLength(1500);
      expect(result.rejected?.every((r) => r.error instanceof RetryableError && r.error.retryAfterMs === 2000)).toBe(true);
    });

    it('keeps a 400 to its own request: the other requests of the batch still go', async () => {
      peer.inject({ status: 400 });
      const result = (await exporter().send(events(2500))) as ExportResult;
      expect(peer.requests.map((r) => r.status)).toEqual([400, 202, 202]);
      expect(result.rejected?.map((r) => r.index)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
      expect(result.rejected?.every((r) => isPermanent(r.error))).toBe(true);
      expect(receivedIds()).toEqual(events(2500).slice(1000).map((e) => e.id));
    });
  });
});

async function poll(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 10 s');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
