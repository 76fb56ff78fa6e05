import { afterEach, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEventFactory, deliverWebhooks, EVENT_TYPES, startGenerator, type GeneratorServer } from './index.js';
import { readStream, until } from './testing.js';

const KEY = 'test-key';
const servers: GeneratorServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
async function generator(options: Partial<Parameters<typeof startGenerator>[0]> = {}): Promise<GeneratorServer> {
  const server = await startGenerator({ apiKey: KEY, seed: 1, ...options });
  servers.push(server);
  return server;
}
const streamUrl = (server: GeneratorServer, query = '') => `${server.url}/v1/events/stream${query}`;

describe('events', () => {
  it('are deterministic for a seed, with evt_<ULID> ids, seconds-precision times and every documented type', () => {
    const a = createEventFactory({ seed: 5 });
    const b = createEventFactory({ seed: 5 });
    const first = Array.from({ length: 200 }, () => a.next());
    expect(first).toEqual(Array.from({ length: 200 }, () => b.next()));
    for (const event of first) {
      expect(event.id).toMatch(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(event.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    }
    expect([...first].map((e) => e.id).sort()).toEqual(first.map((e) => e.id));
    expect(new Set(first.map((e) => e.type)).size).toBeGreaterThan(15);
    expect(EVENT_TYPES).toEqual(expect.arrayContaining(['grant.created', 'grant.revoked', 'token.issued', 'budget.threshold', 'budget.exhausted', 'anomaly.auto_revoked']));
  });
});

describe('the SSE stream', () => {
  it('refuses a wrong key (401), other paths (404) and connections past the limit (429)', async () => {
    const server = await generator({ total: 0, maxConnections: 1 });
    expect(await readStream(streamUrl(server), 'wrong').status).toBe(401);
    expect(await readStream(`${server.url}/other`, KEY).status).toBe(404);
    const open = readStream(streamUrl(server), KEY);
    expect(await open.status).toBe(200);
    expect(await readStream(streamUrl(server), KEY).status).toBe(429);
    open.close();
  });

  it('serves events a standard parser decodes back exactly, filtered by types', async () => {
    const server = await generator({ total: 30 });
    const all = readStream(streamUrl(server, '?types=grant.created,budget.exhausted'), KEY);
    await server.waitForDelivered(30);
    await until(() => all.messages.length === 30, 'every message');
    expect(all.messages.map((m) => JSON.parse(m.data))).toEqual(server.delivered);
    expect(new Set(server.delivered.map((e) => e.type))).toEqual(new Set(['grant.created', 'budget.exhausted']));
    all.close();
  });

  for (const faults of [
    { lineEnding: 'crlf' as const },
    { lineEnding: 'cr' as const, split: 'bytes' as const },
    { lineEnding: 'mixed' as const, split: 'random' as const, multilineData: true, comments: true, ids: true, retryField: 250 },
  ]) {
    it(`decodes to the same events with ${JSON.stringify(faults)}`, async () => {
      // keepalives follow the last event, so a CR-only stream's final CR is known not to start a CRLF
      const server = await generator({ total: 40, keepaliveMs: 20, faults });
      const stream = readStream(streamUrl(server), KEY);
      await server.waitForDelivered(40);
      await until(() => stream.messages.length === 40, 'every message');
      expect(stream.messages.map((m) => JSON.parse(m.data))).toEqual(server.delivered);
      if (faults.ids) expect(stream.messages.map((m) => m.id)).toEqual(server.delivered.map((e) => e.id));
      stream.close();
    });
  }

  it('sends malformed events in rotation, counted apart from the delivered ones', async () => {
    const server = await generator({ total: 9, faults: { malformedEvery: 3 } });
    const stream = readStream(streamUrl(server), KEY);
    await server.waitForDelivered(9);
    await until(() => stream.messages.length === 12, 'every message');
    expect(server.malformedSent).toBe(3);
    const bad = stream.messages.filter((m) => !server.delivered.some((e) => JSON.stringify(e) === m.data));
    expect(bad).toHaveLength(3);
  });

  it('drops a connection in the middle of an event, which is not counted as delivered', async () => {
    const server = await generator({ total: 100, faults: { dropAfter: 5 } });
    const stream = readStream(streamUrl(server), KEY);
    await stream.ended;
    expect(server.delivered).toHaveLength(5);
    expect(stream.messages.map((m) => JSON.parse(m.data))).toEqual(server.delivered);
  });

  it('stalls: writes nothing more, not even keepalives, and keeps the socket open', async () => {
    const server = await generator({ total: 100, keepaliveMs: 10, faults: { stallAfter: 3 } });
    const stream = readStream(streamUrl(server), KEY);
    await server.waitForDelivered(3);
    await until(() => stream.messages.length === 3, 'the three events');
    const count = stream.messages.length;
    for (let turn = 0; turn < 10; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(server.delivered).toHaveLength(3);
    expect(stream.messages.length).toBe(count);
    let ended = false;
    void stream.ended.then(() => (ended = true));
    expect(ended).toBe(false);
    stream.close();
  });

  it('answers planned statuses to the first attempts, with Retry-After on 429 and 503', async () => {
    const server = await generator({ total: 1, faults: { responses: [503, 429] } });
    const first = await fetch(streamUrl(server), { headers: { authorization: `Bearer ${KEY}` } });
    expect([first.status, first.headers.get('retry-after')]).toEqual([503, '1']);
    const second = await fetch(streamUrl(server), { headers: { authorization: `Bearer ${KEY}` } });
    expect(second.status).toBe(429);
    expect(await readStream(streamUrl(server), KEY).status).toBe(200);
  });

  it('in pull mode stops producing while a client does not read', async () => {
    const server = await generator({});
    const stream = readStream(streamUrl(server), KEY);
    await stream.status;
    stream.close();
    const { request } = await import('node:http');
    const paused = await new Promise<import('node:http').IncomingMessage>((resolve) => {
      request(streamUrl(server), { headers: { authorization: `Bearer ${KEY}` } }, resolve).end();
    });
    paused.pause();
    await until(() => server.delivered.length > 0, 'some events');
    let stable = server.delivered.length;
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (server.delivered.length === stable) break;
      stable = server.delivered.length;
    }
    // The server waits for 'drain': production stops at what the socket buffers hold.
    expect(server.delivered.length).toBe(stable);
    expect(stable).toBeLessThan(100_000);
    paused.destroy();
  });

  it('in rate mode broadcasts one timeline and counts events nobody was connected for', async () => {
    const server = await generator({ rate: 500 });
    await until(() => server.missed > 5, 'events published with nobody connected');
    const a = readStream(streamUrl(server), KEY);
    const b = readStream(streamUrl(server), KEY);
    await until(() => a.messages.length > 20 && b.messages.length > 20, 'broadcast events');
    const ids = (m: typeof a.messages) => m.map((x) => (JSON.parse(x.data) as { id: string }).id);
    const common = ids(a.messages).filter((id) => ids(b.messages).includes(id));
    expect(common.length).toBeGreaterThan(10);
    a.close();
    b.close();
  });
});

describe('webhooks', () => {
  it('signs each attempt as Grantex does and retries until acknowledged, honouring Retry-After', async () => {
    const secret = 'whsec_test';
    const seen: Array<{ ok: boolean; status: number }> = [];
    let calls = 0;
    const receiver = createServer(async (request, response) => {
      let body = '';
      for await (const chunk of request) body += chunk;
      const timestamp = String(request.headers['x-grantex-timestamp']);
      const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
      const legacy = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
      const ok = request.headers['x-grantex-signature-v2'] === expected && request.headers['x-grantex-signature'] === legacy;
      calls++;
      const status = calls === 1 ? 503 : 200;
      seen.push({ ok, status });
      response.writeHead(status, status === 503 ? { 'retry-after': '0' } : {}).end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const run = deliverWebhooks({ url, secret, total: 3, concurrency: 1, legacySignature: true, seed: 3, retry: { initialDelayMs: 5, maxDelayMs: 10 } });
    await run.done;
    receiver.close();
    expect(run.acknowledged).toHaveLength(3);
    expect(run.attempts).toBe(4);
    expect(run.statuses.get(503)).toBe(1);
    expect(seen.every((s) => s.ok)).toBe(true);
  });
});
