import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { decodeEvent, retryAfterOf, type FerryEvent, type ReceiverContext } from '@ferry/sdk';
import { retryAfterHeader } from '@ferry/sdk/http';
import type { Config } from './config.js';

const answer = (response: ServerResponse, status: number, headers: Record<string, string> = {}) => void response.writeHead(status, headers).end();
const named = (error: unknown, name: string) => (error as { name?: unknown } | null)?.name === name;

function authorized(request: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const given = Buffer.from(request.headers.authorization ?? '');
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The request body, or undefined once it passes `max` bytes. */
async function readBody(request: IncomingMessage, max: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Takes NDJSON POSTs and answers 200 only once `ctx.next.consume` resolved — the events are
 * then on disk — so a sender that retries until 2xx loses nothing. A line that is no event
 * is dead-lettered with its bytes (kept, never dropped); a full pipeline is answered 503
 * with Retry-After, and the sender tries again.
 */
async function handle(ctx: ReceiverContext<Config>, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const { config } = ctx;
  if ((request.url ?? '/').split('?')[0] !== config.path) return answer(response, 404);
  if (request.method !== 'POST') return answer(response, 405, { allow: 'POST' });
  if (!authorized(request, config.token)) return answer(response, 401, { 'www-authenticate': 'Bearer' });
  const body = await readBody(request, config.maxBodyBytes);
  if (body === undefined) return answer(response, 413, { connection: 'close' });
  const events: FerryEvent[] = [];
  const lines = body.toString('utf8').split('\n');
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const decoded = decodeEvent(line);
    if (decoded.ok) events.push(decoded.event);
    else await ctx.deadLetter({ bytes: Buffer.from(line), reason: decoded.problem, source: { remote: request.socket.remoteAddress ?? '', line: index + 1 } });
  }
  try {
    // wait: false — a full pipeline is answered now, instead of holding the connection.
    await ctx.next.consume(events, { wait: false });
  } catch (error) {
    if (named(error, 'BackpressureError') || named(error, 'ShutdownError')) return answer(response, 503, { 'retry-after': retryAfterHeader(retryAfterOf(error)) });
    throw error;
  }
  answer(response, 200);
}

/** Listens as the config says; resolves with the URL events are POSTed to. */
export async function listen(ctx: ReceiverContext<Config>): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    handle(ctx, request, response).catch((error: unknown) => {
      ctx.logger.error('request failed; the sender will retry', { error: (error as Error).message });
      if (!response.headersSent) answer(response, 500);
    });
  });
  await new Promise<void>((listening, failed) => {
    server.once('error', failed);
    server.listen(ctx.config.port, ctx.config.host, listening);
  });
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://${ctx.config.host.includes(':') ? `[${ctx.config.host}]` : ctx.config.host}:${port}${ctx.config.path}` };
}

/** Stops taking requests and waits for those under way. */
export function close(server: Server): Promise<void> {
  return new Promise((closed) => server.close(() => closed()));
}
