import { describe, expect, it } from 'vitest';
import { BackpressureError, type FerryEvent } from '@ferry/sdk';
import { configProblems, conformanceCases, createTestContext, resolveComponentConfig, type TestContext, type TestContextOptions } from '@ferry/sdk/testkit';
import receiver from './index.js';
import type { Config } from './config.js';

const TOKEN = 'test-token-0123456789';
const events: FerryEvent[] = [
  { id: 'evt_1', type: 'grant.created', createdAt: '2026-03-01T12:00:00Z', data: { grantId: 'grnt_1' } },
  { id: 'evt_2', type: 'token.issued', createdAt: '2026-03-01T12:00:01Z', data: { tokenId: 'tok_1' } },
];
const ndjson = (lines: readonly string[]) => `${lines.join('\n')}\n`;

/** A started receiver on a free port of 127.0.0.1, with the context that records what it hands on. */
async function started(options: TestContextOptions = {}): Promise<{ ctx: TestContext<Config>; url: string; stop: () => Promise<void> }> {
  const ctx = createTestContext(resolveComponentConfig(receiver, { port: 0, token: TOKEN }), options);
  const instance = receiver.create(ctx);
  await instance.start?.();
  const url = String(ctx.logs.find((line) => line.message === 'listening for events')?.fields.url);
  return { ctx, url, stop: async () => instance.shutdown?.() };
}

const post = (url: string, body: string, token = TOKEN) => fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' }, body });

describe('the receiver', () => {
  describe('keeps the contract every Ferry component keeps', () => {
    for (const c of conformanceCases(receiver, {
      config: { port: 0 },
      invalidConfigs: [
        { config: { port: 70_000 }, because: 'a port is at most 65535' },
        { config: { path: 'events' }, because: 'a path starts with /' },
        { config: { host: '0.0.0.0' }, because: 'listening beyond this machine needs a token' },
      ],
    })) {
      it(c.name, c.run);
    }
  });

  it('hands the events on, each with the text it was sent, and answers 200 once they are accepted', async () => {
    const { ctx, url, stop } = await started();
    try {
      const lines = events.map((e) => JSON.stringify(e));
      const response = await post(url, ndjson(lines));
      expect(response.status).toBe(200);
      expect(ctx.received).toEqual(events);
    } finally {
      await stop();
    }
  });

  it('dead-letters a line that is no event, with its bytes, and takes the rest', async () => {
    const { ctx, url, stop } = await started();
    try {
      const response = await post(url, ndjson([JSON.stringify(events[0]), '{"not":"an event"}', 'not json']));
      expect(response.status).toBe(200);
      expect(ctx.received.map((e) => e.id)).toEqual(['evt_1']);
      expect(ctx.deadLettered.map((d) => [Buffer.from(d.bytes).toString(), d.source?.line])).toEqual([['{"not":"an event"}', 2], ['not json', 3]]);
    } finally {
      await stop();
    }
  });

  it('answers 503 with Retry-After when the pipeline is full, so the sender tries again', async () => {
    const full = { consume: async () => Promise.reject(new BackpressureError('the pipeline is full', 2500)) };
    const { url, stop } = await started({ next: full });
    try {
      const response = await post(url, ndjson([JSON.stringify(events[0])]));
      expect([response.status, response.headers.get('retry-after')]).toEqual([503, '3']);
    } finally {
      await stop();
    }
  });

  it('refuses a request without the token, and one too large', async () => {
    const { ctx, url, stop } = await started();
    try {
      expect((await post(url, ndjson([JSON.stringify(events[0])]), 'wrong-token-0123456789')).status).toBe(401);
      expect((await post(url, 'x'.repeat(2 * 1024 * 1024))).status).toBe(413);
      expect(ctx.received).toEqual([]);
    } finally {
      await stop();
    }
  });

  it('refuses to listen beyond this machine without a token, before anything runs', () => {
    expect(configProblems(receiver, { host: '0.0.0.0' })).toEqual(['token: required when listening on "0.0.0.0", which other machines can reach — set token (16 characters or more), or listen on 127.0.0.1']);
  });
});
