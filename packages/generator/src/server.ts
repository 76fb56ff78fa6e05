import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FerryEvent } from '@ferry/sdk';
import { createEventFactory } from './events.js';
import { eventJson, formatComment, formatEvent, malformedJson, type LineEnding } from './sse-format.js';

export interface GeneratorFaults {
  /** Line endings of the stream (`mixed` rotates per event). Default `lf`. */
  readonly lineEnding?: LineEnding;
  /** How writes are chunked: whole events, random cuts (also inside UTF-8 characters), or 1–7 byte pieces. */
  readonly split?: 'none' | 'random' | 'bytes';
  /** Each event's JSON pretty-printed over several `data:` lines. */
  readonly multilineData?: boolean;
  /** `: comment` lines between events and between an event's fields. */
  readonly comments?: boolean;
  /** `id:` fields (real Grantex sends none). */
  readonly ids?: boolean;
  /** A `retry: <ms>` field once at the start of each stream. */
  readonly retryField?: number;
  /** Every Nth event is malformed (invalid JSON, missing id, data not an object, in turn). */
  readonly malformedEvery?: number;
  /** Per connection: after N events, write half of the next one and close the connection. */
  readonly dropAfter?: number;
  /** Per connection: after N events, write nothing more (no keepalives) and keep the socket open. */
  readonly stallAfter?: number;
  /** Status codes answered to the first connection attempts, in order (with `Retry-After: 1` on 429/503). */
  readonly responses?: readonly number[];
}

export interface GeneratorOptions {
  readonly host?: string;
  readonly port?: number;
  readonly apiKey: string;
  /** Events per second on one shared timeline broadcast to every stream; 0: each stream gets its own, as fast as it reads. */
  readonly rate?: number;
  /** Stop producing after this many events in all (streams stay open with keepalives). */
  readonly total?: number;
  readonly seed?: number;
  readonly keepaliveMs?: number;
  readonly maxConnections?: number;
  readonly faults?: GeneratorFaults;
}

export interface GeneratorServer {
  readonly url: string;
  readonly port: number;
  /** Every valid event whose terminating blank line was written, in write order. */
  readonly delivered: readonly FerryEvent[];
  readonly malformedSent: number;
  /** Events published (rate mode) while no stream was connected: lost, as with real Grantex. */
  readonly missed: number;
  /** Connection attempts so far, refused ones included. */
  readonly connections: number;
  waitForDelivered(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

interface Stream {
  readonly response: ServerResponse;
  readonly types: ReadonlySet<string> | undefined;
  sent: number;
  index: number;
  stalled: boolean;
  closed: boolean;
  queue: Promise<void>;
  keepalive: NodeJS.Timeout | undefined;
}

function pieces(buffer: Buffer, mode: 'none' | 'random' | 'bytes', random: () => number): Buffer[] {
  if (mode === 'none') return [buffer];
  const out: Buffer[] = [];
  for (let at = 0; at < buffer.length; ) {
    const size = mode === 'bytes' ? 1 + Math.floor(random() * 7) : 1 + Math.floor(random() * Math.max(1, buffer.length / 2));
    out.push(buffer.subarray(at, at + size));
    at += size;
  }
  return out;
}

/**
 * Serves the Grantex SSE contract (`GET /v1/events/stream`, bearer auth, `types` filter,
 * keepalives, 429 past the connection limit) with realistic events and optional faults.
 */
export async function startGenerator(options: GeneratorOptions): Promise<GeneratorServer> {
  const faults = options.faults ?? {};
  const factory = createEventFactory(options.seed === undefined ? {} : { seed: options.seed });
  const splitRandom = (() => {
    let s = (options.seed ?? 42) >>> 0;
    return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  })();
  const delivered: FerryEvent[] = [];
  const streams = new Set<Stream>();
  const waiters = new Set<() => void>();
  let produced = 0;
  let malformedSent = 0;
  let missed = 0;
  let connections = 0;
  let closing = false;
  const keepaliveMs = options.keepaliveMs ?? 30_000;
  const lineEnding = faults.lineEnding ?? 'lf';
  const total = options.total ?? Infinity;

  const notify = () => {
    for (const waiter of waiters) waiter();
  };

  async function write(stream: Stream, text: string): Promise<boolean> {
    for (const piece of pieces(Buffer.from(text), faults.split ?? 'none', splitRandom)) {
      if (stream.closed) return false;
      if (!stream.response.write(piece)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            stream.response.off('drain', done);
            stream.response.off('close', done);
            resolve();
          };
          stream.response.on('drain', done);
          stream.response.on('close', done);
        });
      }
    }
    return !stream.closed;
  }

  /** Sends one event on a stream, applying the per-connection faults. False when the stream ended. */
  async function send(stream: Stream, event: FerryEvent): Promise<boolean> {
    if (stream.closed || stream.stalled) return false;
    if (faults.stallAfter !== undefined && stream.sent >= faults.stallAfter) {
      stream.stalled = true;
      if (stream.keepalive) clearInterval(stream.keepalive);
      return false;
    }
    stream.index++;
    if (faults.malformedEvery && stream.index % faults.malformedEvery === 0) {
      if (await write(stream, formatEvent(malformedJson(malformedSent), undefined, stream.index, { lineEnding, multilineData: false, comments: !!faults.comments, ids: false }))) malformedSent++;
    }
    const block = formatEvent(eventJson(event), event.id, stream.index, { lineEnding, multilineData: !!faults.multilineData, comments: !!faults.comments, ids: !!faults.ids });
    if (faults.dropAfter !== undefined && stream.sent >= faults.dropAfter) {
      // The connection ends in the middle of an event. It is closed with a FIN, not a reset:
      // a reset lets the client's kernel discard data it already received, and then
      // `delivered` could not say what the client can have seen.
      stream.closed = true;
      stream.response.socket?.end(block.slice(0, Math.floor(block.length / 2)));
      return false;
    }
    if (!(await write(stream, block))) return false;
    stream.sent++;
    delivered.push(event);
    notify();
    return true;
  }

  async function pull(stream: Stream): Promise<void> {
    while (!stream.closed && !closing && produced < total) {
      produced++;
      const event = factory.next(stream.types ? ([...stream.types][produced % stream.types.size] as string) : undefined);
      if (!(await send(stream, event))) {
        // The event was not delivered whole: it does not count toward the total.
        produced--;
        return;
      }
      if (produced % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  let ticker: NodeJS.Timeout | undefined;
  if ((options.rate ?? 0) > 0) {
    const rate = options.rate as number;
    let owed = 0;
    let last = Date.now();
    ticker = setInterval(() => {
      const now = Date.now();
      owed += ((now - last) * rate) / 1000;
      last = now;
      while (owed >= 1 && produced < total) {
        owed--;
        produced++;
        const event = factory.next();
        const listeners = [...streams].filter((s) => !s.closed && (!s.types || s.types.has(event.type)));
        if (listeners.length === 0) missed++;
        for (const stream of listeners) stream.queue = stream.queue.then(() => send(stream, event).then(() => undefined));
      }
    }, 10);
    ticker.unref();
  }

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://generator');
    if (url.pathname !== '/v1/events/stream') {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
      return;
    }
    connections++;
    const planned = faults.responses?.[connections - 1];
    if (planned !== undefined) {
      response.writeHead(planned, { 'content-type': 'application/json', ...(planned === 429 || planned === 503 ? { 'retry-after': '1' } : {}) }).end(`{"error":"status ${planned}"}`);
      return;
    }
    if (request.headers.authorization !== `Bearer ${options.apiKey}`) {
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized","message":"invalid API key"}');
      return;
    }
    if ([...streams].filter((s) => !s.closed).length >= (options.maxConnections ?? 5)) {
      response.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' }).end('{"error":"too_many_connections"}');
      return;
    }
    const typesParam = url.searchParams.get('types');
    const stream: Stream = {
      response,
      types: typesParam ? new Set(typesParam.split(',').filter(Boolean)) : undefined,
      sent: 0,
      index: 0,
      stalled: false,
      closed: false,
      queue: Promise.resolve(),
      keepalive: undefined,
    };
    streams.add(stream);
    response.on('close', () => {
      stream.closed = true;
      if (stream.keepalive) clearInterval(stream.keepalive);
      streams.delete(stream);
    });
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    if (faults.retryField !== undefined) response.write(`retry: ${faults.retryField}${lineEnding === 'cr' ? '\r' : '\n'}${lineEnding === 'cr' ? '\r' : '\n'}`);
    response.write(formatComment('connected', lineEnding));
    stream.keepalive = setInterval(() => {
      if (!stream.stalled && !stream.closed) stream.queue = stream.queue.then(() => write(stream, formatComment('keepalive', lineEnding)).then(() => undefined));
    }, keepaliveMs);
    stream.keepalive.unref();
    if (!options.rate) stream.queue = pull(stream);
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    delivered,
    get malformedSent() {
      return malformedSent;
    },
    get missed() {
      return missed;
    },
    get connections() {
      return connections;
    },
    waitForDelivered(count, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (delivered.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`generator: ${delivered.length} of ${count} events delivered after ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      closing = true;
      if (ticker) clearInterval(ticker);
      for (const stream of streams) {
        stream.closed = true;
        if (stream.keepalive) clearInterval(stream.keepalive);
        stream.response.socket?.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
