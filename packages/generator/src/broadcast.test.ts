import { afterEach, describe, expect, it } from 'vitest';
import type { FerryEvent } from '@ferry/sdk';
import { startGenerator, type GeneratorOptions, type GeneratorServer } from './index.js';
import { openStream, until, type SseClient } from './testing.js';

const KEY = 'test-key';
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
/** The defaults, as the real Grantex route behaves: broadcast, nothing written before the first event or keepalive. */
async function generator(options: Partial<GeneratorOptions> = {}): Promise<GeneratorServer> {
  const server = await startGenerator({ apiKey: KEY, seed: 4, ...options });
  cleanups.push(() => server.close());
  return server;
}
function stream(server: GeneratorServer): SseClient {
  const client = openStream(`${server.url}/v1/events/stream`, KEY);
  cleanups.push(() => client.close());
  return client;
}
const decoded = (client: SseClient): FerryEvent[] => client.messages.map((m) => JSON.parse(m.data) as FerryEvent);

describe('broadcast mode (the default), as the real route', () => {
  it('writes nothing, so sends no 200, before the first event: the body starts with it', async () => {
    const server = await generator();
    const client = stream(server);
    await until(() => server.streams === 1, 'the stream to be open on the server');
    expect(client.chunks).toEqual([]);
    const [published] = server.publish(1);
    expect(await client.status).toBe(200);
    await until(() => client.messages.length === 1, 'the event');
    expect(client.text()).toBe(`data: ${JSON.stringify(published)}\n\n`);
  });

  it('on a quiet stream, sends the 200 with the first keepalive', async () => {
    const server = await generator({ keepaliveMs: 50 });
    const client = stream(server);
    expect(await client.status).toBe(200);
    await until(() => client.comments.length > 0, 'the first comment');
    expect(client.comments[0]).toBe('keepalive');
    expect(client.text().startsWith(': keepalive\n')).toBe(true);
    expect(client.messages).toEqual([]);
  });

  it('writes each event to every stream open when it is published, and replays nothing to a stream that connects later', async () => {
    const server = await generator();
    const beforeAnyone = server.publish(2);
    expect(server.missed).toBe(2);
    const a = stream(server);
    const b = stream(server);
    await until(() => server.streams === 2, 'both streams open');
    const toBoth = server.publish(3);
    await until(() => a.messages.length === 3 && b.messages.length === 3, 'the events on both streams');
    expect(decoded(a)).toEqual(toBoth);
    expect(decoded(b)).toEqual(toBoth);
    a.close();
    await until(() => server.streams === 1, 'the server to see the first stream go');
    const toB = server.publish(1);
    const c = stream(server);
    await until(() => server.streams === 2, 'the late stream open');
    const toBAndC = server.publish(1);
    await until(() => b.messages.length === 5 && c.messages.length === 1, 'the last events');
    expect(decoded(b)).toEqual([...toBoth, ...toB, ...toBAndC]);
    expect(decoded(c)).toEqual(toBAndC);
    expect([...decoded(b), ...decoded(c)].some((e) => beforeAnyone.some((early) => early.id === e.id))).toBe(false);
    expect(server.missed).toBe(2);
    expect(server.deliveredCount).toBe(3 + 3 + 1 + 2);
  });

  it('with connectedComment, sends the 200 and a `: connected` comment at once, as the old default did', async () => {
    const server = await generator({ connectedComment: true });
    const client = stream(server);
    expect(await client.status).toBe(200);
    await until(() => client.comments.length > 0, 'the first comment');
    expect(client.comments[0]).toBe('connected');
  });

  it('keeps pull mode apart: no rate, no publish()', async () => {
    await expect(startGenerator({ apiKey: KEY, mode: 'pull', rate: 10 })).rejects.toThrow('leave rate at 0');
    const pull = await generator({ mode: 'pull', total: 0 });
    expect(() => pull.publish(1)).toThrow('publish() is for broadcast mode');
  });
});
