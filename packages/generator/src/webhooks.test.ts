import { afterEach, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkEvent, type FerryEvent } from '@ferry/sdk';
import { deliverWebhooks, signWebhook } from './index.js';
import { until } from './testing.js';

const SECRET = 'whsec_test_secret';
const hmac = (text: string): string => `sha256=${createHmac('sha256', SECRET).update(text).digest('hex')}`;

interface Delivery {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
}
/** A webhook endpoint on 127.0.0.1 that records each attempt and answers as `answer` says. */
async function endpoint(answer: (delivery: Delivery, index: number, response: ServerResponse) => void = (_d, _i, r) => void r.writeHead(200).end()) {
  const deliveries: Delivery[] = [];
  const server = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    const delivery = { headers: request.headers, body, at: performance.now() };
    deliveries.push(delivery);
    answer(delivery, deliveries.length - 1, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/grantex`, deliveries };
}
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
const fast = { initialDelayMs: 1, maxDelayMs: 5 };

describe('signWebhook', () => {
  it('signs `<timestamp>.<body>` (v2) and the body alone (legacy) with HMAC-SHA256', () => {
    const body = '{"id":"evt_1"}';
    expect(signWebhook(SECRET, body, 1767225600)).toEqual({
      'x-grantex-timestamp': '1767225600',
      'x-grantex-signature-v2': hmac(`1767225600.${body}`),
      'x-grantex-signature': hmac(body),
    });
  });
});

describe('deliverWebhooks', () => {
  it('POSTs each event once as its JSON envelope, signed with the current time', async () => {
    const hook = await endpoint();
    const before = Math.floor(Date.now() / 1000);
    const run = deliverWebhooks({ url: hook.url, secret: SECRET, total: 20, seed: 3 });
    await run.done;
    const after = Math.floor(Date.now() / 1000);
    expect(run.acknowledged).toHaveLength(20);
    expect(run.attempts).toBe(20);
    expect(run.statuses).toEqual(new Map([[200, 20]]));
    for (const { headers, body } of hook.deliveries) {
      expect(headers['content-type']).toBe('application/json');
      const timestamp = Number(headers['x-grantex-timestamp']);
      expect(timestamp).toBeGreaterThanOrEqual(before);
      expect(timestamp).toBeLessThanOrEqual(after);
      expect(headers['x-grantex-signature-v2']).toBe(hmac(`${timestamp}.${body}`));
      expect(headers['x-grantex-signature']).toBeUndefined();
      expect(checkEvent(JSON.parse(body))).toBeUndefined();
    }
    const sent = hook.deliveries.map((d) => JSON.parse(d.body) as FerryEvent);
    expect(new Set(sent.map((e) => e.id)).size).toBe(20);
    expect([...run.acknowledged].sort((a, b) => a.id.localeCompare(b.id))).toEqual([...sent].sort((a, b) => a.id.localeCompare(b.id)));
  });

  it('adds the legacy body-only signature when asked', async () => {
    const hook = await endpoint();
    await deliverWebhooks({ url: hook.url, secret: SECRET, total: 3, legacySignature: true }).done;
    for (const { headers, body } of hook.deliveries) expect(headers['x-grantex-signature']).toBe(hmac(body));
  });

  it('delivers the same events for the same seed, whatever the concurrency', async () => {
    const bodies: string[][] = [];
    for (const concurrency of [1, 5]) {
      const hook = await endpoint();
      await deliverWebhooks({ url: hook.url, secret: SECRET, total: 30, seed: 9, concurrency }).done;
      bodies.push(hook.deliveries.map((d) => d.body).sort());
    }
    expect(bodies[0]).toEqual(bodies[1]);
  });

  it('retries until a 2xx, waiting as long as Retry-After asks, and signs each attempt afresh', async () => {
    const hook = await endpoint((_delivery, index, response) => {
      if (index === 0) response.writeHead(503, { 'retry-after': '1' }).end();
      else response.writeHead(200).end();
    });
    const run = deliverWebhooks({ url: hook.url, secret: SECRET, total: 1, retry: fast });
    await run.done;
    expect(run.acknowledged).toHaveLength(1);
    expect(run.statuses).toEqual(new Map([[503, 1], [200, 1]]));
    const [first, second] = hook.deliveries as [Delivery, Delivery];
    expect(second.body).toBe(first.body);
    // Backoff alone would have retried within 5 ms.
    expect(second.at - first.at).toBeGreaterThanOrEqual(995);
    for (const { headers, body } of hook.deliveries) expect(headers['x-grantex-signature-v2']).toBe(hmac(`${headers['x-grantex-timestamp']}.${body}`));
  });

  it('retries after any other answer and after network errors, counting them by status (0: no answer)', async () => {
    const hook = await endpoint((_delivery, index, response) => {
      if (index === 0) response.socket?.destroy();
      else if (index === 1) response.writeHead(400).end();
      else if (index === 2) response.writeHead(302, { location: '/elsewhere' }).end();
      else response.writeHead(204).end();
    });
    const run = deliverWebhooks({ url: hook.url, secret: SECRET, total: 1, retry: fast });
    await run.done;
    expect(run.statuses).toEqual(new Map([[0, 1], [400, 1], [302, 1], [204, 1]]));
    expect(run.attempts).toBe(4);
    expect(run.acknowledged).toHaveLength(1);
  });

  it('gives up an attempt after requestTimeoutMs', async () => {
    const hook = await endpoint((_delivery, index, response) => {
      if (index > 0) response.writeHead(200).end();
      // The first attempt is never answered.
    });
    const run = deliverWebhooks({ url: hook.url, secret: SECRET, total: 1, retry: fast, requestTimeoutMs: 100 });
    await run.done;
    expect(run.statuses).toEqual(new Map([[0, 1], [200, 1]]));
  });

  it('keeps `concurrency` deliveries in flight, and no more', async () => {
    const held: ServerResponse[] = [];
    const hook = await endpoint((_delivery, _index, response) => void held.push(response));
    const run = deliverWebhooks({ url: hook.url, secret: SECRET, total: 9, concurrency: 3 });
    for (let round = 1; round <= 3; round++) {
      await until(() => held.length === 3, `three deliveries in flight (round ${round})`);
      // Every attempt is counted as it starts: a fourth worker would show here.
      expect(run.attempts).toBe(3 * round);
      for (const response of held.splice(0)) response.writeHead(200).end();
    }
    await run.done;
    expect(run.acknowledged).toHaveLength(9);
  });

  it('stop() ends the run without waiting out a long Retry-After', async () => {
    const hook = await endpoint((_delivery, _index, response) => response.writeHead(503, { 'retry-after': '3600' }).end());
    const run = deliverWebhooks({ url: hook.url, secret: SECRET, total: 5, concurrency: 2 });
    await until(() => run.attempts === 2 && hook.deliveries.length === 2, 'the first attempts');
    await until(() => (run.statuses.get(503) ?? 0) === 2, 'their answers');
    await run.stop();
    await run.done;
    expect(run.acknowledged).toHaveLength(0);
    expect(run.attempts).toBe(2);
  });

  it('paces deliveries at `rate` per second', async () => {
    const hook = await endpoint();
    const started = performance.now();
    const run = deliverWebhooks({ url: hook.url, secret: SECRET, total: 6, rate: 20, concurrency: 6 });
    await run.done;
    // A lower bound only: the sixth delivery may not start before 5 × 50 ms.
    expect(hook.deliveries[5]!.at - started).toBeGreaterThanOrEqual(245);
  });
});
