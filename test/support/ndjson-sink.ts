import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { FerryEvent } from '@ferry/sdk';
import { freePort } from './ports.js';

/**
 * An HTTP destination that takes NDJSON batches (the custom exporter's protocol), checks
 * every line is a complete event, and can be told to misbehave: answer 429 with
 * Retry-After, 5xx, be slow, reset connections, or refuse connections altogether.
 */
export interface NdjsonSink {
  readonly url: string;
  /** Every event accepted with a 2xx, in arrival order (duplicates kept). */
  readonly events: FerryEvent[];
  /** Lines that were not complete JSON events: must stay empty. */
  readonly malformed: string[];
  readonly requests: { total: number; byStatus: Map<number, number>; resets: number };
  /** What the next requests get; consumed in order, then `otherwise`. */
  readonly plan: SinkAnswer[];
  otherwise: SinkAnswer;
  /** Stop listening (connections refused) or listen again on the same port. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export type SinkAnswer =
  | { readonly status: 200 }
  | { readonly status: 429 | 500 | 502 | 503; readonly retryAfterSeconds?: number }
  | { readonly status: 400 | 401 }
  | { readonly reset: true }
  | { readonly delayMs: number; readonly then?: SinkAnswer };

export async function startNdjsonSink(options: { port?: number } = {}): Promise<NdjsonSink> {
  const events: FerryEvent[] = [];
  const malformed: string[] = [];
  const requests = { total: 0, byStatus: new Map<number, number>(), resets: 0 };
  const sockets = new Set<Socket>();
  let server: Server;
  // Below the ephemeral range: the sink may stop and listen again on this port, which an outgoing connection could take meanwhile.
  let port = options.port ?? (await freePort());

  const answer = async (request: IncomingMessage, response: ServerResponse, step: SinkAnswer): Promise<void> => {
    if ('delayMs' in step) {
      await new Promise((resolve) => setTimeout(resolve, step.delayMs));
      return answer(request, response, step.then ?? { status: 200 });
    }
    if ('reset' in step) {
      requests.resets++;
      request.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    requests.byStatus.set(step.status, (requests.byStatus.get(step.status) ?? 0) + 1);
    if (step.status === 200) {
      for (const line of Buffer.concat(chunks).toString('utf8').split('\n')) {
        if (line === '') continue;
        try {
          const event = JSON.parse(line) as FerryEvent;
          if (typeof event.id !== 'string' || typeof event.type !== 'string') malformed.push(line);
          else events.push(event);
        } catch {
          malformed.push(line);
        }
      }
    }
    const headers: Record<string, string> = 'retryAfterSeconds' in step && step.retryAfterSeconds !== undefined ? { 'retry-after': String(step.retryAfterSeconds) } : {};
    response.writeHead(step.status, headers).end();
  };

  const sink: NdjsonSink = {
    get url() {
      return `http://127.0.0.1:${port}/ingest`;
    },
    events,
    malformed,
    requests,
    plan: [],
    otherwise: { status: 200 },
    async down() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
    },
    async up() {
      server = listen();
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
    async close() {
      if (server.listening) await sink.down();
    },
  };

  function listen(): Server {
    const created = createServer((request, response) => {
      requests.total++;
      // A client killed mid-request (kill -9) aborts its request: nothing to answer then.
      answer(request, response, sink.plan.shift() ?? sink.otherwise).catch(() => request.socket.destroy());
    });
    created.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    return created;
  }

  server = listen();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  return sink;
}
