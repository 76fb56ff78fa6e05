import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, createBatch, isPermanent, RetryableError, retryAfterOf, type Batch, type ExportResult, type Exporter, type FerryEvent } from '@ferry/sdk';
import { conformanceCases, createTestContext, resolveConfig, type TestContext } from '@ferry/sdk/testkit';
import splunk from './index.js';
import type { SplunkHecConfig } from './config.js';
import { startHecPeer, type HecPeer } from './testing/index.js';

const TOKEN = '11111111-2222-3333-4444-555555555555';
let peer: HecPeer;
let ackPeer: HecPeer;
beforeAll(async () => {
  peer = await startHecPeer({ token: TOKEN, expect: { index: 'main', source: 'grantex', sourcetype: '_json' } });
  ackPeer = await startHecPeer({ token: TOKEN, ack: true, ackAfterPolls: 2 });
});
afterAll(async () => {
  await peer.close();
  await ackPeer.close();
});
beforeEach(() => {
  peer.clear();
  ackPeer.clear();
});
const running: Exporter[] = [];
afterEach(async () => {
  for (const instance of running.splice(0)) await instance.shutdown?.();
});

const events = (n: number, from = 0): FerryEvent[] =>
  Array.from({ length: n }, (_, i) => ({ id: `evt_${from + i}`, type: 'grant.created', createdAt: `2026-03-01T12:00:0${i % 10}.25${i % 10}Z`, data: { n: from + i } }));

interface Subject {
  readonly ctx: TestContext<SplunkHecConfig>;
  send(batch: Batch | readonly FerryEvent[], signal?: AbortSignal): Promise<ExportResult | void>;
}
function exporter(config: Record<string, unknown> = {}): Subject {
  const ctx = createTestContext(resolveConfig(splunk.configSchema, { hecUrl: peer.url, hecToken: TOKEN, ...config }), { id: 'splunk_hec' });
  const instance = splunk.create(ctx);
  running.push(instance);
  return { ctx, send: (batch, signal = new AbortController().signal) => instance.export(Array.isArray(batch) ? createBatch(batch as FerryEvent[]) : (batch as Batch), { signal, attempt: 1 }) };
}
const failure = (promise: Promise<unknown>): Promise<Error> =>
  promise.then(
    () => {
      throw new Error('expected the export to fail');
    },
    (error: unknown) => error as Error,
  );

const LINES = [
  '{"id":"evt_big", "type":"budget.threshold","createdAt":"2026-03-01T12:00:00.123Z","data":{"spent":12345678901234567891,"10":"ten","2":"two"}}',
  '{"id":"evt_esc","type":"grant.created","createdAt":"2026-03-01T12:00:01Z","data":{"s":"caf\\u00e9 \\"q\\""}}',
];

describe('the splunk_hec exporter', () => {
  describe('SDK conformance', () => {
    for (const c of conformanceCases(splunk, {
      get config() {
        return { hecUrl: peer.url, hecToken: TOKEN };
      },
      invalidConfigs: [
        { config: {}, because: 'hecUrl and hecToken are required' },
        { config: { hecUrl: 'http://127.0.0.1:8088' }, because: 'hecToken is required' },
        { config: { hecUrl: 'splunk:8088', hecToken: TOKEN }, because: 'hecUrl is a URL' },
        { config: { hecUrl: 'http://127.0.0.1:8088', hecToken: TOKEN, channel: 'not-a-guid' }, because: 'a channel is a GUID' },
        { config: { hecUrl: 'http://127.0.0.1:8088', hecToken: TOKEN, compression: 'zstd' }, because: 'compression is gzip or none' },
      ],
      exportEvents: events(3),
    })) it(c.name, c.run);
  });

  describe('on the wire', () => {
    it('wraps each stored text in the HEC envelope with the seed defaults and time from createdAt, gzip by default', async () => {
      expect(await exporter().send(createBatch({ lines: LINES }))).toBeUndefined();
      expect(peer.violations).toEqual([]);
      expect(peer.received).toEqual([
        { time: 1772366400.123, index: 'main', source: 'grantex', sourcetype: '_json', host: undefined, text: LINES[0] },
        { time: 1772366401, index: 'main', source: 'grantex', sourcetype: '_json', host: undefined, text: LINES[1] },
      ]);
      expect(peer.requests.map((r) => [r.gzip, r.events, r.status])).toEqual([[true, 2, 200]]);
      expect(peer.requests[0]?.channel).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('applies index, source, sourcetype and host, sends plain with compression: none, and takes a hecUrl with the collector path', async () => {
      await exporter({ hecUrl: `${peer.url}/services/collector/event`, index: 'grantex', source: 'ferry', sourcetype: 'grantex:event', host: 'ferry-1', compression: 'none' }).send(events(2));
      expect(peer.received.map((e) => [e.index, e.source, e.sourcetype, e.host])).toEqual([
        ['grantex', 'ferry', 'grantex:event', 'ferry-1'],
        ['grantex', 'ferry', 'grantex:event', 'ferry-1'],
      ]);
      expect(peer.requests.map((r) => r.gzip)).toEqual([false]);
    });
  });

  describe('indexer acknowledgement', () => {
    it('with useAck, resolves only once HEC reports the batch indexed, polling every pending id in one query', async () => {
      const subject = exporter({ hecUrl: ackPeer.url, useAck: true, ackPollIntervalMs: 20, channel: '0b4b6f4e-1a2b-4c3d-8e9f-0123456789ab' });
      await Promise.all([subject.send(events(3)), subject.send(events(2, 3))]);
      expect(ackPeer.violations).toEqual([]);
      expect(ackPeer.indexed.map((t) => (JSON.parse(t) as { id: string }).id).sort()).toEqual(['evt_0', 'evt_1', 'evt_2', 'evt_3', 'evt_4']);
      expect(ackPeer.requests.every((r) => r.channel === '0b4b6f4e-1a2b-4c3d-8e9f-0123456789ab')).toBe(true);
      // Both batches' ids are asked for together (ackAfterPolls: 2 needs two rounds).
      expect(ackPeer.ackQueries[0]).toEqual({ channel: '0b4b6f4e-1a2b-4c3d-8e9f-0123456789ab', ids: [0, 1] });
    });

    it('fails a batch never acknowledged within ackTimeoutMs as retryable, so it is sent again', async () => {
      ackPeer.loseAcks(1);
      const error = await failure(exporter({ hecUrl: ackPeer.url, useAck: true, ackPollIntervalMs: 20, ackTimeoutMs: 150 }).send(events(2)));
      expect(error).toBeInstanceOf(RetryableError);
      expect(error.message).toMatch(/did not acknowledge ack 0 as indexed within 150 ms \(ackTimeoutMs\); sending the events again$/);
      expect(ackPeer.indexed).toEqual([]);
    });

    it('with useAck against a token without acknowledgement, delivers on acceptance and warns once', async () => {
      const subject = exporter({ useAck: true });
      await subject.send(events(1));
      await subject.send(events(1, 1));
      expect(peer.ids()).toEqual(['evt_0', 'evt_1']);
      expect(subject.ctx.logs.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
        'useAck is on but HEC answers without an ackId: the token has indexer acknowledgement off, so delivered means accepted, not indexed',
      ]);
    });
  });

  describe('HEC error codes', () => {
    it('is a configuration error, never echoing the token, when the token is invalid or disabled', async () => {
      const invalid = await failure(exporter({ hecToken: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' }).send(events(1)));
      expect(invalid).toBeInstanceOf(ConfigError);
      expect(invalid.message).toBe(`Splunk HEC (${peer.url}) refused the token (403, code 4: Invalid token): check exporters.splunk_hec.hecToken — it must be enabled and allowed to write to the index`);
      const disabledPeer = await startHecPeer({ token: TOKEN, disabled: true });
      try {
        const disabled = await failure(exporter({ hecUrl: disabledPeer.url }).send(events(1)));
        expect(disabled).toBeInstanceOf(ConfigError);
        expect(disabled.message).toContain('(403, code 1: Token disabled)');
        expect(disabled.message).not.toContain(TOKEN);
      } finally {
        await disabledPeer.close();
      }
    });

    it.each([
      [{ status: 503, code: 9, text: 'Server is busy', retryAfter: '4' }, 4000, true],
      [{ status: 503, code: 18, text: 'HEC is unhealthy, queues are full' }, undefined, true],
      [{ status: 500, code: 8, text: 'Internal server error' }, undefined, false],
      [{ status: 429, text: 'Too many requests' }, undefined, true],
    ] as const)('retries %o', async (fault, wait, pushBack) => {
      peer.inject(fault);
      const error = await failure(exporter().send(events(2)));
      expect(error).toBeInstanceOf(RetryableError);
      expect(retryAfterOf(error)).toBe(wait);
      expect((error as RetryableError).pushBack).toBe(pushBack);
    });

    it('an incorrect index or a channel HEC refuses is a configuration error', async () => {
      peer.inject({ status: 400, code: 7, text: 'Incorrect index' });
      expect((await failure(exporter().send(events(1)))).message).toContain('refused the index (400, code 7: Incorrect index): check exporters.splunk_hec.index');
      peer.inject({ status: 400, code: 11, text: 'Invalid data channel' });
      expect(await failure(exporter().send(events(1)))).toBeInstanceOf(ConfigError);
    });

    it('dead-letters only the event HEC could not read (code 6) and sends its neighbours again', async () => {
      peer.inject({ status: 400, code: 6, text: 'Invalid data format', invalidEvent: 2 });
      const result = (await exporter().send(events(4))) as ExportResult;
      expect(result.rejected?.map((r) => [r.index, isPermanent(r.error)])).toEqual([
        [0, false],
        [1, false],
        [2, true],
        [3, false],
      ]);
      expect(result.rejected?.[2]?.error.message).toBe(`Splunk HEC (${peer.url}) could not read this event (400, code 6: Invalid data format)`);
    });

    it('retries a reset and a request with no answer within requestTimeoutMs', async () => {
      peer.inject({ reset: true });
      expect(await failure(exporter().send(events(1)))).toBeInstanceOf(RetryableError);
      peer.inject({ hang: true });
      expect((await failure(exporter({ requestTimeoutMs: 200 }).send(events(1)))).message).toContain('no answer within 200 ms (requestTimeoutMs)');
    });
  });

  describe('limits', () => {
    it('splits a request refused as too large (413) in halves, delivering every event once, in order', async () => {
      peer.tooLarge = { events: 3 };
      expect(await exporter().send(events(8))).toBeUndefined();
      expect(peer.violations).toEqual([]);
      expect(peer.ids()).toEqual(events(8).map((e) => e.id));
      expect(peer.requests.filter((r) => r.status === 413).map((r) => r.events)).toEqual([8, 4, 4]);
    });
  });
});
