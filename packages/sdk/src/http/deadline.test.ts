import { describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchAnswer, requestDeadline } from './deadline.js';
import { RetryableError } from '../errors.js';
import { unreachable } from './network.js';
import { collectingGarbage } from '../testkit/garbage.js';

describe('requestDeadline', () => {
  it('aborts a request that gets no answer in time with a TimeoutError, worded as a timeout', async () => {
    const server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const deadline = requestDeadline(new AbortController().signal, 50);
      const error = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { signal: deadline.signal }).then(
        () => undefined,
        (e: unknown) => e,
      );
      deadline.done();
      expect((error as Error).name).toBe('TimeoutError');
      expect(unreachable('the peer', error, { timeout: '50 ms' }).message).toBe('cannot reach the peer: no answer within 50 ms');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('still times out when garbage is collected while the request waits (where AbortSignal.any over AbortSignal.timeout waits forever on Node 20)', async () => {
    const server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const request = () => {
        const deadline = requestDeadline(new AbortController().signal, 200);
        return fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { signal: deadline.signal }).then(
          () => 'answered',
          (e: unknown) => (e as Error).name,
        );
      };
      expect(await collectingGarbage(request())).toBe('TimeoutError');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("follows the caller's signal, before and during the request, and lets go of it when done", () => {
    const stopped = new AbortController();
    stopped.abort(new Error('stopping'));
    expect(requestDeadline(stopped.signal, 1000).signal.reason).toEqual(new Error('stopping'));

    const stop = new AbortController();
    const during = requestDeadline(stop.signal, 60_000);
    stop.abort(new Error('stopping now'));
    expect(during.signal.aborted).toBe(true);
    expect(during.signal.reason).toEqual(new Error('stopping now'));
    during.done();

    const later = new AbortController();
    const released = requestDeadline(later.signal, 60_000);
    released.done();
    later.abort();
    expect(released.signal.aborted).toBe(false);
  });

  it('fetchAnswer: hands the answer to read under the deadline, and words a request with no answer as unreachable', async () => {
    const server = createServer((request, response) => {
      if (request.url === '/silent') return;
      response.writeHead(201, { 'retry-after': '3' }).end('taken');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const options = { signal: new AbortController().signal, timeoutMs: 100, destination: 'the peer' };
    try {
      const read = await fetchAnswer(`${base}/`, { method: 'POST', body: 'x' }, options, async (r) => `${r.status} ${r.headers.get('retry-after')} ${await r.text()}`);
      expect(read).toBe('201 3 taken');
      const silent = await fetchAnswer(`${base}/silent`, {}, options, async () => 'answered').catch((e: unknown) => e);
      expect(silent).toBeInstanceOf(RetryableError);
      expect((silent as Error).message).toBe('cannot reach the peer: no answer within 100 ms (requestTimeoutMs)');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
