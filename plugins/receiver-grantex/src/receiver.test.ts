import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, type FerryEvent } from '@ferry/sdk';
import { conformanceCases, createTestContext, resolveConfig, type TestContext } from '@ferry/sdk/testkit';
import { startGenerator, type GeneratorServer } from '@ferry/generator';
import grantex from './index.js';
import type { GrantexConfig } from './config.js';
import { reconnectDelay } from './backoff.js';

const KEY = 'test-key';
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const event = (n: number, extra: Record<string, unknown> = {}): FerryEvent => ({ id: `evt_${n}`, type: 'grant.created', createdAt: '2026-03-01T12:00:00Z', data: { n, ...extra } });

/** A fixture server: each connection is handled by the next handler in the list (the last one repeats). */
async function fixture(handlers: Array<(req: IncomingMessage, res: ServerResponse) => void>): Promise<{ url: string; requests: IncomingMessage[] }> {
  const requests: IncomingMessage[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((req, res) => {
    requests.push(req);
    const handler = handlers[Math.min(requests.length - 1, handlers.length - 1)] as (req: IncomingMessage, res: ServerResponse) => void;
    handler(req, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const sse = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/event-stream' });
/** A handler that streams event `n` and keeps the stream open, or ends it. */
const streaming =
  (n: number, then: 'open' | 'end' = 'open') =>
  (_req: IncomingMessage, res: ServerResponse): void => {
    sse(res);
    res[then === 'end' ? 'end' : 'write'](`data: ${JSON.stringify(event(n))}\n\n`);
  };

function start(config: Partial<GrantexConfig> & { url: string }, next?: TestContext<GrantexConfig>['next']): TestContext<GrantexConfig> {
  const resolved = resolveConfig(grantex.configSchema, { apiKey: KEY, reconnect: { initialDelayMs: 5, maxDelayMs: 20 }, ...config });
  const ctx = createTestContext(resolved, { id: 'grantex', ...(next ? { next } : {}) });
  const receiver = grantex.create(ctx);
  void receiver.start?.();
  cleanups.push(() => receiver.shutdown?.());
  return ctx;
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('the grantex receiver', () => {
  describe('SDK conformance', () => {
    for (const c of conformanceCases(grantex, {
      config: { url: 'http://127.0.0.1:9', apiKey: KEY },
      invalidConfigs: [{ config: { url: 'http://x' }, because: 'apiKey is missing' }, { config: { url: 'http://x', apiKey: KEY, maxEventBytes: 10 }, because: 'maxEventBytes is below 1 KiB' }],
    })) it(c.name, c.run);
  });

  it('parses CR-only line ends, a UTF-8 character split across writes, multi-line data and comments between fields', async () => {
    const text = JSON.stringify(event(1, { city: 'Zürich' }));
    const bytes = Buffer.from(`: hello\r\rdata: ${text}\r\r`);
    const cut = bytes.indexOf(Buffer.from('ü')) + 1; // inside the two-byte character
    const pretty = JSON.stringify(event(2), null, 2).split('\n');
    const server = await fixture([
      (_req, res) => {
        sse(res);
        res.write(bytes.subarray(0, cut));
        setImmediate(() => {
          res.write(bytes.subarray(cut));
          res.write(`${pretty.map((l, i) => (i === 1 ? `: a comment\ndata: ${l}` : `data: ${l}`)).join('\n')}\n\nretry: 40\r\n: keepalive\r\n\r\n`);
        });
      },
    ]);
    const ctx = start({ url: server.url });
    await until(() => ctx.received.length === 2, 'both events');
    expect(ctx.received).toEqual([event(1, { city: 'Zürich' }), event(2)]);
  });

  it('sends the key, the types filter and, after ids were seen, Last-Event-ID', async () => {
    const server = await fixture([
      (_req, res) => {
        sse(res);
        res.end(`id: 7\ndata: ${JSON.stringify(event(7))}\n\n`);
      },
      (_req, res) => {
        sse(res);
      },
    ]);
    const ctx = start({ url: `${server.url}/`, types: ['grant.created', 'budget.*'] });
    await until(() => server.requests.length >= 2, 'a reconnect');
    expect(server.requests[0]?.url).toBe('/v1/events/stream?types=grant.created%2Cbudget.*');
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(server.requests[0]?.headers['last-event-id']).toBeUndefined();
    expect(server.requests[1]?.headers['last-event-id']).toBe('7');
    expect(ctx.received).toEqual([event(7)]);
  });

  it('counts and logs a malformed event and keeps going', async () => {
    const server = await fixture([
      (_req, res) => {
        sse(res);
        res.write(`data: {"id":"evt_x","type":\n\ndata: ${JSON.stringify({ type: 'a', createdAt: '', data: {} })}\n\ndata: ${JSON.stringify(event(3))}\n\n`);
      },
    ]);
    const ctx = start({ url: server.url });
    await until(() => ctx.received.length === 1, 'the good event');
    expect(ctx.received).toEqual([event(3)]);
    expect(ctx.counts.get('malformed')).toBe(2);
    const warning = ctx.logs.find((l) => l.message === 'malformed event skipped');
    expect(warning?.fields.sample).toBe('{"id":"evt_x","type":');
  });

  it('drops the ids a server replays after a reconnect, counting them, and hands on the rest once', async () => {
    const send = (res: ServerResponse, from: number, to: number) => {
      for (let n = from; n < to; n++) res.write(`id: ${n}\ndata: ${JSON.stringify(event(n))}\n\n`);
    };
    const server = await fixture([
      (_req, res) => {
        sse(res);
        send(res, 0, 20);
        res.end();
      },
      (_req, res) => {
        sse(res);
        send(res, 12, 30);
      },
    ]);
    const ctx = start({ url: server.url, dedupWindow: 50 });
    await until(() => ctx.received.length === 30, 'events 0-29');
    expect(ctx.received.map((e) => e.id)).toEqual(Array.from({ length: 30 }, (_, n) => `evt_${n}`));
    expect(ctx.counts.get('replayed')).toBe(8);
    expect(server.requests).toHaveLength(2);
  });

  it('skips an event larger than maxEventBytes without buffering it, and keeps receiving', async () => {
    const server = await fixture([
      (_req, res) => {
        sse(res);
        // one oversized event in a single write, one arriving in several writes
        res.write(`data: {"id":"evt_big","type":"x","createdAt":"","data":{"blob":"${'a'.repeat(5000)}"}}\n\n`);
        const split = `data: {"id":"evt_big2","type":"x","createdAt":"","data":{"blob":"${'b'.repeat(5000)}"}}\n\n`;
        setImmediate(() => res.write(split.slice(0, 2000)));
        setTimeout(() => res.write(split.slice(2000)), 10);
        setTimeout(() => res.write(`data: ${JSON.stringify(event(4))}\n\n`), 20);
      },
    ]);
    const ctx = start({ url: server.url, maxEventBytes: 1024 });
    await until(() => ctx.received.length === 1, 'the event after the oversized one');
    expect(ctx.received).toEqual([event(4)]);
    expect(ctx.counts.get('malformed')).toBeGreaterThanOrEqual(2);
  });

  it('reports 401 as a configuration error naming the URL and the option, never the key, and stops', async () => {
    const server = await fixture([(_req, res) => res.writeHead(401).end('{"error":"unauthorized"}')]);
    const ctx = start({ url: server.url });
    await until(() => ctx.reported.length === 1, 'the error report');
    expect(ctx.reported[0]).toBeInstanceOf(ConfigError);
    expect(ctx.reported[0]?.message).toBe(`Grantex refused the API key (401) at ${server.url}/v1/events/stream: check receivers.grantex.apiKey`);
    expect(JSON.stringify(ctx.logs)).not.toContain(KEY);
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(server.requests).toHaveLength(1);
  });

  it('retries 429 and 503, waiting at least Retry-After, then streams', async () => {
    const times: number[] = [];
    const server = await fixture([
      (_req, res) => {
        times.push(Date.now());
        res.writeHead(429, { 'retry-after': '0.05' }).end();
      },
      (_req, res) => {
        times.push(Date.now());
        res.writeHead(503).end();
      },
      (_req, res) => {
        sse(res);
        res.write(`data: ${JSON.stringify(event(5))}\n\n`);
      },
    ]);
    const ctx = start({ url: server.url });
    await until(() => ctx.received.length === 1, 'the event after retries');
    expect(server.requests).toHaveLength(3);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(45);
  });

  it('detects a stalled stream and re-opens it', async () => {
    const server = await fixture([streaming(1), streaming(2)]);
    // Scaled down: a 200 ms keepalive, so a second of silence is past the next keepalive plus the margin.
    const ctx = start({ url: server.url, keepaliveMs: 200, connectTimeoutMs: 800, idleTimeoutMs: 1000 });
    await until(() => ctx.received.length === 2, 'an event on the re-opened stream');
    expect(ctx.logs.find((l) => l.level === 'warn' && l.message.startsWith('lost the Grantex event stream'))?.fields.cause).toBe('no event or keepalive for 1.0 s (stalled)');
  });

  it('gives up on an attempt that has no answer a keepalive interval plus connectTimeoutMs after it began, saying so', async () => {
    const server = await fixture([() => {}]);
    const ctx = start({ url: server.url, keepaliveMs: 100, connectTimeoutMs: 100 });
    await until(() => server.requests.length >= 2, 'a second attempt');
    expect(ctx.logs.find((l) => l.level === 'warn')?.fields.cause).toBe('no answer within 0.2 s, a keepalive interval plus connectTimeoutMs');
  });

  it('raises an idleTimeoutMs too short for a quiet stream to a keepalive interval plus connectTimeoutMs, with a warning', async () => {
    const server = await fixture([(_req, res) => sse(res)]);
    const ctx = start({ url: server.url, idleTimeoutMs: 5000 });
    await until(() => server.requests.length === 1, 'the attempt');
    expect(ctx.logs[0]?.level).toBe('warn');
    expect(ctx.logs[0]?.message).toContain('receivers.grantex.idleTimeoutMs (5000 ms) is shorter than a keepalive interval plus connectTimeoutMs');
    expect(ctx.logs[0]?.message).toContain('using 40000 ms');
  });

  it('starts the backoff over once a connection was healthy', async () => {
    const unavailable = (_req: IncomingMessage, res: ServerResponse) => res.writeHead(503).end();
    const server = await fixture([
      unavailable,
      unavailable,
      unavailable,
      unavailable,
      streaming(1, 'end'),
      streaming(2),
    ]);
    const ctx = start({ url: server.url });
    await until(() => ctx.received.length === 2, 'both events');
    // The backoff's step for each wait: growing while Grantex answers 503, back to the first after the healthy stream ended.
    expect(ctx.logs.filter((l) => l.level === 'warn' && 'attempt' in l.fields).map((l) => l.fields.attempt)).toEqual([2, 3, 4, 5, 1]);
  });

  it('warns of a gap with its length, that Grantex does not replay it and what closes it; names the cause under "terminated" and "fetch failed"; counts disconnected time and reconnects', async () => {
    const first = await startGenerator({ apiKey: KEY, seed: 5 });
    cleanups.push(() => first.close());
    const ctx = start({ url: first.url });
    await until(() => first.streams === 1, 'the subscription');
    const before = first.publish(3);
    await until(() => ctx.received.length === 3, 'the first events');
    const downAt = Date.now();
    // Grantex goes away: the stream breaks, and attempts meet a closed port until it is back.
    await first.close();
    await until(() => ctx.logs.some((l) => String(l.fields.cause).includes('ECONNREFUSED')), 'a refused attempt');
    const second = await startGenerator({ apiKey: KEY, seed: 6, port: first.port });
    cleanups.push(() => second.close());
    await until(() => second.streams === 1, 'the subscription again');
    const after = second.publish(2);
    await until(() => ctx.received.length === 5, 'the events after the gap');
    const sinceDown = Date.now() - downAt;
    expect(ctx.received).toEqual([...before, ...after]);

    const warnings = ctx.logs.filter((l) => l.level === 'warn');
    const lost = warnings[0];
    expect(lost?.message).toMatch(/^lost the Grantex event stream \(terminated: .+\); reconnecting in \d+\.\d s\. Grantex does not replay events published until Ferry is subscribed again$/);
    const refused = warnings.filter((l) => l.message.startsWith('not subscribed to the Grantex event stream for '));
    expect(refused.length).toBeGreaterThan(0);
    for (const attempt of refused) expect(attempt.fields.cause).toMatch(/^fetch failed: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
    const back = warnings.at(-1);
    expect(warnings).toHaveLength(refused.length + 2);
    expect(back?.message).toMatch(/^subscribed to the Grantex event stream again after \d+\.\d s without a subscription\. Grantex does not replay events published in that time/);
    expect(back?.message).toContain('the webhook receiver');
    expect(back?.message).toContain('dedup processor');
    const gap = back?.fields.notSubscribedMs as number;
    expect(gap).toBeGreaterThan(0);
    expect(gap).toBeLessThanOrEqual(sinceDown);
    expect(back?.fields.attempts).toBe(refused.length + 1);
    expect(ctx.counts.get('disconnected_ms')).toBe(gap);
    expect(ctx.counts.get('reconnects')).toBe(refused.length + 1);
    expect(ctx.counts.get('connects')).toBe(2);
  });

  it('stops reading while the pipeline has not accepted the last events', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const handed: FerryEvent[][] = [];
    const server = await fixture([
      (_req, res) => {
        sse(res);
        res.write(`data: ${JSON.stringify(event(1))}\n\n`);
        setTimeout(() => res.write(`data: ${JSON.stringify(event(2))}\n\n`), 20);
      },
    ]);
    start({ url: server.url }, {
      consume: async (events) => {
        handed.push([...events]);
        if (handed.length === 1) await held;
      },
    });
    await until(() => handed.length === 1, 'the first event');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(handed).toHaveLength(1);
    release();
    await until(() => handed.length === 2, 'the second event after the pipeline accepted the first');
  });

  it('shuts down promptly during a backoff wait and during a stream', async () => {
    const down = await fixture([(_req, res) => res.writeHead(503).end()]);
    const waiting = grantex.create(createTestContext(resolveConfig(grantex.configSchema, { url: down.url, apiKey: KEY, reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 } })));
    await waiting.start?.();
    await until(() => down.requests.length === 2 || down.requests.length === 1, 'one attempt');
    await waiting.shutdown?.();
    const open = await fixture([(_req, res) => sse(res)]);
    const streaming = grantex.create(createTestContext(resolveConfig(grantex.configSchema, { url: open.url, apiKey: KEY })));
    await streaming.start?.();
    await until(() => open.requests.length === 1, 'the stream');
    await streaming.shutdown?.();
    await streaming.shutdown?.();
  });

  describe('against the event generator', () => {
    let generator: GeneratorServer;
    it('receives every event exactly once, unaltered and in order, across dropped connections, whatever the framing', async () => {
      generator = await startGenerator({ apiKey: KEY, mode: 'pull', total: 3000, seed: 9, keepaliveMs: 20, faults: { lineEnding: 'mixed', split: 'random', multilineData: true, comments: true, dropAfter: 700, malformedEvery: 97 } });
      cleanups.push(() => generator.close());
      const ctx = start({ url: generator.url });
      await generator.waitForDelivered(3000);
      await until(() => ctx.received.length === 3000, 'every delivered event');
      expect(ctx.received).toEqual(generator.delivered);
      expect(ctx.counts.get('malformed')).toBe(generator.malformedSent);
      expect(generator.connections).toBeGreaterThanOrEqual(5);
    });
  });
});

describe('reconnect backoff', () => {
  it('doubles up to the cap with full jitter, never below the floor', () => {
    expect(reconnectDelay(1, 1000, 60_000, 0, () => 1)).toBe(1000);
    expect(reconnectDelay(4, 1000, 60_000, 0, () => 1)).toBe(8000);
    expect(reconnectDelay(30, 1000, 60_000, 0, () => 1)).toBe(60_000);
    expect(reconnectDelay(3, 1000, 60_000, 0, () => 0)).toBe(0);
    expect(reconnectDelay(3, 1000, 60_000, 2500, () => 0)).toBe(2500);
  });
});
