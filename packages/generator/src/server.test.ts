import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import type { FerryEvent } from '@ferry/sdk';
import { startGenerator, type GeneratorOptions, type GeneratorServer } from './index.js';
import { openStream, until, type SseClient } from './testing.js';

const KEY = 'test-key';
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
/** Pull mode unless a test asks otherwise: most tests here count what clients receive of a fixed total. */
async function generator(options: Partial<GeneratorOptions> = {}): Promise<GeneratorServer> {
  const server = await startGenerator({ apiKey: KEY, seed: 1, mode: 'pull', ...options });
  cleanups.push(() => server.close());
  return server;
}
function stream(server: GeneratorServer, query = '', options: { key?: string | undefined; paused?: boolean } = {}): SseClient {
  const client = openStream(`${server.url}/v1/events/stream${query}`, 'key' in options ? options.key : KEY, options);
  cleanups.push(() => client.close());
  return client;
}
const decoded = (client: SseClient): FerryEvent[] => client.messages.map((m) => JSON.parse(m.data) as FerryEvent);
const body = async (client: SseClient): Promise<unknown> => {
  await client.ended;
  return JSON.parse(client.text());
};

describe('the Grantex SSE contract', () => {
  it('answers 401 with a JSON body without the right bearer key, and 404 elsewhere', async () => {
    const server = await generator({ total: 0 });
    const wrong = stream(server, '', { key: 'wrong' });
    expect(await wrong.status).toBe(401);
    expect(await body(wrong)).toMatchObject({ error: 'unauthorized' });
    expect(await stream(server, '', { key: undefined }).status).toBe(401);
    expect(await openStream(`${server.url}/v1/events`, KEY).status).toBe(404);
    expect(server.connections).toBe(2);
  });

  it('answers 429 with Retry-After past maxConnections, and serves again once a stream closes', async () => {
    const server = await generator({ total: 0, maxConnections: 2 });
    const first = stream(server);
    expect(await first.status).toBe(200);
    expect(await stream(server).status).toBe(200);
    const refused = stream(server);
    expect(await refused.status).toBe(429);
    expect((await refused.headers)['retry-after']).toBe('1');
    first.close();
    await first.ended;
    // The server learns of the close a moment later: ask until it has (or the deadline passes).
    let status = 0;
    for (const deadline = Date.now() + 5000; status !== 200 && Date.now() < deadline; ) status = await stream(server).status;
    expect(status).toBe(200);
  });

  it('streams text/event-stream, one `data: <json>` line per event and a blank line, no id fields', async () => {
    const server = await generator({ total: 25 });
    const client = stream(server);
    const headers = await client.headers;
    expect(headers['content-type']).toBe('text/event-stream');
    expect(headers['cache-control']).toBe('no-cache');
    await server.waitForDelivered(25);
    await until(() => client.messages.length === 25, 'every event');
    expect(decoded(client)).toEqual(server.delivered);
    const text = client.text();
    expect(text).not.toMatch(/^id:/m);
    expect(text).not.toContain('\r');
    expect(text.startsWith(': connected\n')).toBe(true);
    const blocks = text.slice(': connected\n'.length).split('\n\n').filter((block) => !block.startsWith(': keepalive'));
    expect(blocks).toEqual([...server.delivered.map((event) => `data: ${JSON.stringify(event)}`), '']);
  });

  it('filters by ?types= on the server side', async () => {
    const server = await generator({ total: 40 });
    const client = stream(server, '?types=grant.created,budget.exhausted');
    await server.waitForDelivered(40);
    await until(() => client.messages.length === 40, 'every event');
    expect(new Set(decoded(client).map((e) => e.type))).toEqual(new Set(['grant.created', 'budget.exhausted']));
    expect(decoded(client)).toEqual(server.delivered);
  });

  it('sends keepalive comments, and only those once the total is reached or no type matches', async () => {
    const server = await generator({ total: 5, keepaliveMs: 10 });
    const unknownType = stream(server, '?types=no.such.type');
    await until(() => unknownType.comments.filter((c) => c === 'keepalive').length >= 2, 'keepalives');
    expect(unknownType.messages).toEqual([]);
    const client = stream(server);
    await until(() => client.messages.length === 5, 'the five events');
    const after = client.comments.length;
    await until(() => client.comments.slice(after).filter((c) => c === 'keepalive').length >= 2, 'keepalives after the last event');
    expect(client.messages).toHaveLength(5);
    expect(server.deliveredCount).toBe(5);
    let ended = false;
    void client.ended.then(() => (ended = true));
    expect(ended).toBe(false);
  });

  it('produces the same events for the same seed', async () => {
    const runs: FerryEvent[][] = [];
    for (let run = 0; run < 2; run++) {
      const server = await generator({ total: 50, seed: 77 });
      const client = stream(server);
      await until(() => client.messages.length === 50, 'every event');
      runs.push(decoded(client));
    }
    expect(runs[0]).toEqual(runs[1]);
  });

  it('produces only the configured types', async () => {
    const server = await generator({ total: 30, types: ['vc.issued', 'sso.login'] });
    const client = stream(server, '?types=sso.login,grant.created');
    await until(() => client.messages.length === 30, 'every event');
    expect(new Set(decoded(client).map((e) => e.type))).toEqual(new Set(['sso.login']));
  });

  it('close() ends every stream and fails those still waiting for deliveries', async () => {
    const server = await generator({ total: 3 });
    const client = stream(server);
    await server.waitForDelivered(3);
    const waiting = server.waitForDelivered(10);
    await server.close();
    await expect(waiting).rejects.toThrow('closed with 3');
    expect(await client.ended).not.toBe('end');
    await expect(server.waitForDelivered(1, 50)).resolves.toBeUndefined();
  });

  it('can report deliveries to a callback instead of keeping them', async () => {
    const seen: FerryEvent[] = [];
    const server = await generator({ total: 30, keepDelivered: false, onDelivered: (events) => seen.push(...events) });
    const client = stream(server);
    await server.waitForDelivered(30);
    await until(() => client.messages.length === 30, 'every event');
    expect(server.delivered).toEqual([]);
    expect(server.deliveredCount).toBe(30);
    expect(seen).toEqual(decoded(client));
  });

  it('rejects a wait that times out, saying how far it got', async () => {
    const server = await generator({ total: 0 });
    await expect(server.waitForDelivered(1, 20)).rejects.toThrow('0 of 1 events delivered after 20 ms');
  });

  it('refuses other methods on the stream path', async () => {
    const server = await generator({ total: 0 });
    const status = await new Promise<number>((resolve) => request(`${server.url}/v1/events/stream`, { method: 'POST' }, (res) => resolve(res.statusCode ?? 0)).end());
    expect(status).toBe(405);
  });
});

describe('pull mode', () => {
  it('stops producing for a client that does not read, holding little in memory, and resumes when it reads', async () => {
    const server = await generator({});
    const client = stream(server, '', { paused: true });
    await until(() => server.pausedStreams === 1, 'the server to wait for drain');
    const atPause = server.deliveredCount;
    // What is held is the socket buffers' worth, not a growing backlog.
    expect(server.bufferedBytes).toBeLessThan(1024 * 1024);
    expect(atPause).toBeLessThan(200_000);
    client.resume();
    await server.waitForDelivered(atPause + 5000);
    expect(server.deliveredCount).toBeGreaterThan(atPause);
  });

  it('gives each stream its own events and counts the total over all of them', async () => {
    const server = await generator({ total: 100 });
    const a = stream(server);
    const b = stream(server);
    await server.waitForDelivered(100);
    await until(() => a.messages.length + b.messages.length === 100, 'every event');
    const ids = [...decoded(a), ...decoded(b)].map((e) => e.id);
    expect(new Set(ids).size).toBe(100);
  });
});

describe('broadcast mode at a rate', () => {
  it('broadcasts one timeline to every stream and counts what nobody received as missed', async () => {
    const server = await generator({ mode: 'broadcast', rate: 1000, total: 400 });
    await until(() => server.missed >= 20, 'events published with nobody connected');
    const a = stream(server);
    await until(() => a.messages.length >= 10, 'events on the first stream');
    const b = stream(server);
    const filtered = stream(server, '?types=grant.created');
    // Settled: every published event was either delivered somewhere or missed.
    await until(() => server.missed + new Set(server.delivered.map((e) => e.id)).size === 400, 'every event settled', 20_000);
    const ofA = decoded(a).map((e) => e.id);
    const ofB = decoded(b).map((e) => e.id);
    expect(ofB.length).toBeGreaterThan(0);
    // B joined later: it got exactly the tail of A's timeline.
    expect(ofA.slice(ofA.length - ofB.length)).toEqual(ofB);
    expect([...ofA].sort()).toEqual(ofA);
    expect(decoded(filtered).every((e) => e.type === 'grant.created')).toBe(true);
    // An event written to two streams is delivered twice.
    expect(server.delivered.filter((e) => e.id === ofB[0])).toHaveLength(decoded(filtered).some((e) => e.id === ofB[0]) ? 3 : 2);
    expect(server.missed).toBeGreaterThanOrEqual(20);
  });

  it('counts as missed what a stream was sent but never received whole, so delivered + missed = published', async () => {
    const server = await generator({ mode: 'broadcast', rate: 2000, total: 300, faults: { dropAfter: 50 } });
    const client = stream(server);
    expect(await client.ended).toBe('aborted');
    await until(() => server.missed + server.deliveredCount === 300, 'every event settled', 20_000);
    expect(server.deliveredCount).toBe(50);
    expect(decoded(client)).toEqual(server.delivered);
  });
});
