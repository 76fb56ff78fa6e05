import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FerryEvent } from '@ferry/sdk';
import { EVENT_TYPES } from './catalog.js';
import { createEventFactory } from './events.js';
import type { GeneratorOptions, GeneratorServer } from './options.js';
import { Production } from './production.js';
import { pullInto } from './pull-mode.js';
import { createRandom } from './random.js';
import { Broadcaster } from './broadcast.js';
import { SseStream } from './sse-stream.js';

export const STREAM_PATH = '/v1/events/stream';

function answer(response: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/**
 * Serves the Grantex SSE contract: `GET /v1/events/stream[?types=a,b]` with a bearer key
 * (401 otherwise), 429 past `maxConnections` open streams, 404 elsewhere; realistic events
 * broadcast as the real route does, or pulled by each stream; keepalive comments, and the
 * faults asked for.
 */
export async function startGenerator(options: GeneratorOptions): Promise<GeneratorServer> {
  const faults = options.faults ?? {};
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
  const catalog = options.types && options.types.length > 0 ? options.types : EVENT_TYPES;
  const factory = createEventFactory({ seed, types: catalog });
  // Separate sequences, so that faults and type picks never change the events themselves.
  const production = new Production(factory, options.total ?? Infinity, createRandom(seed ^ 0x5eed));
  const splitRandom = createRandom(seed ^ 0xc0ffee);
  const mode = options.mode ?? 'broadcast';
  const rate = options.rate ?? 0;
  if (mode === 'pull' && rate > 0) throw new TypeError('generator: `rate` publishes on the broadcast timeline; pull mode serves each stream as fast as it reads (leave rate at 0)');
  const broadcaster = mode === 'broadcast' ? new Broadcaster(production, rate) : undefined;
  const connectedComment = options.connectedComment ?? mode === 'pull';
  const keepDelivered = options.keepDelivered ?? true;

  const delivered: FerryEvent[] = [];
  const streams = new Set<SseStream>();
  const waiters = new Set<{ check(): void; fail(error: Error): void }>();
  let deliveredCount = 0;
  let malformedSent = 0;
  let malformedKind = 0;
  let connections = 0;
  let closed = false;

  /** A stream the server already ended (dropAfter) no longer counts, though its socket may still be closing. */
  const openStreams = (): number => {
    let open = 0;
    for (const stream of streams) if (!stream.isClosed) open++;
    return open;
  };

  const hooks = {
    delivered(events: readonly FerryEvent[]) {
      deliveredCount += events.length;
      if (keepDelivered) for (const event of events) delivered.push(event);
      options.onDelivered?.(events);
      for (const waiter of waiters) waiter.check();
    },
    nextMalformedKind: () => malformedKind++,
    malformedSent(count: number) {
      malformedSent += count;
    },
  };

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const url = new URL(request.url ?? '/', 'http://generator');
    if (url.pathname !== STREAM_PATH) return answer(response, 404, { error: 'not_found', message: `no route for ${request.method} ${url.pathname}` });
    if (request.method !== 'GET') return answer(response, 405, { error: 'method_not_allowed' }, { allow: 'GET' });
    connections++;
    const planned = faults.responses?.[connections - 1];
    if (planned !== undefined) return answer(response, planned, { error: `planned_${planned}` }, planned === 429 || planned === 503 ? { 'retry-after': '1' } : {});
    if (request.headers.authorization !== `Bearer ${options.apiKey}`) return answer(response, 401, { error: 'unauthorized', message: 'missing or invalid API key' });
    if (closed) return answer(response, 503, { error: 'shutting_down' });
    if (openStreams() >= (options.maxConnections ?? 5)) return answer(response, 429, { error: 'too_many_connections', message: `at most ${options.maxConnections ?? 5} concurrent streams per API key` }, { 'retry-after': '1' });

    const requested = url.searchParams.get('types')?.split(',').map((type) => type.trim()).filter(Boolean);
    const types = requested && requested.length > 0 ? new Set(requested) : undefined;
    const stream = new SseStream(response, { faults, random: splitRandom, keepaliveMs: options.keepaliveMs ?? 30_000, connectedComment, types }, hooks);
    streams.add(stream);
    void stream.closed.then(() => streams.delete(stream));
    stream.start();
    if (broadcaster) broadcaster.add(stream);
    else void pullInto(stream, production, types ? catalog.filter((type) => types.has(type)) : undefined);
  };

  const server = createServer(handle);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  broadcaster?.start();

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    delivered,
    get deliveredCount() {
      return deliveredCount;
    },
    get malformedSent() {
      return malformedSent;
    },
    get missed() {
      return broadcaster?.missed ?? 0;
    },
    get connections() {
      return connections;
    },
    get streams() {
      return openStreams();
    },
    publish(count = 1) {
      if (broadcaster === undefined) throw new TypeError('generator: publish() is for broadcast mode; in pull mode each stream makes its own events');
      return broadcaster.publish(count);
    },
    get pausedStreams() {
      let paused = 0;
      for (const stream of streams) if (stream.waitingForDrain) paused++;
      return paused;
    },
    get bufferedBytes() {
      let bytes = 0;
      for (const stream of streams) bytes += stream.bufferedBytes;
      return bytes;
    },
    waitForDelivered(count, timeoutMs = 30_000) {
      return new Promise<void>((resolve, reject) => {
        const waiter = {
          check() {
            if (deliveredCount < count) return;
            waiters.delete(waiter);
            clearTimeout(timer);
            resolve();
          },
          fail(error: Error) {
            waiters.delete(waiter);
            clearTimeout(timer);
            reject(error);
          },
        };
        const timer = setTimeout(() => waiter.fail(new Error(`generator: ${deliveredCount} of ${count} events delivered after ${timeoutMs} ms`)), timeoutMs);
        waiters.add(waiter);
        waiter.check();
        if (closed && waiters.has(waiter)) waiter.fail(new Error(`generator: closed with ${deliveredCount} of ${count} events delivered`));
      });
    },
    async close() {
      if (!closed) {
        closed = true;
        broadcaster?.stop();
        for (const waiter of waiters) waiter.fail(new Error(`generator: closed with ${deliveredCount} events delivered`));
        for (const stream of streams) stream.destroy();
      }
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
