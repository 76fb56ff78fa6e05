import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { BackpressureError, ConfigError, sample, ShutdownError, type ReceiverContext } from '@ferry/sdk';
import type { WebhookConfig } from './config.js';
import { BodyTooLarge, parseDelivery, parseGeneric, readBody } from './body.js';
import { checkBearer, checkSignature, checkTimestamp } from './signature.js';

/** How long shutdown waits for requests whose events are being accepted. */
const DRAIN_MS = 5_000;
const WARN_EVERY_MS = 5_000;

function answer(response: ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  if (response.headersSent) return;
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/**
 * An HTTP endpoint for Grantex webhook deliveries (or generic event posts). It answers 2xx
 * only after the pipeline accepted the events — on disk, with storage — so the sender's
 * retries make delivery end-to-end at-least-once; everything refused never reaches a pipeline.
 */
export class WebhookReceiver {
  readonly #ctx: ReceiverContext<WebhookConfig>;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #stopping = false;
  #warnedAt = 0;

  constructor(ctx: ReceiverContext<WebhookConfig>) {
    this.#ctx = ctx;
  }

  async start(): Promise<void> {
    const { config } = this.#ctx;
    const colon = config.endpoint.lastIndexOf(':');
    const host = config.endpoint.slice(0, colon) || '0.0.0.0';
    const port = Number(config.endpoint.slice(colon + 1));
    // Node checks request and header timeouts every connectionsCheckingInterval (30 s by default).
    const server = createServer({ connectionsCheckingInterval: Math.min(1000, Math.ceil(config.requestTimeoutMs / 2)) }, (request, response) => {
      const handled = this.#handle(request, response).catch((error: unknown) => {
        this.#ctx.logger.error('webhook request failed', { error: (error as Error).message });
        answer(response, 500, { error: 'internal_error' });
      });
      this.#inFlight.add(handled);
      void handled.finally(() => this.#inFlight.delete(handled));
    });
    server.requestTimeout = config.requestTimeoutMs;
    server.headersTimeout = Math.min(config.requestTimeoutMs, 60_000);
    server.keepAliveTimeout = 5_000;
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(new ConfigError(`cannot listen on ${config.endpoint} (receivers.${this.#ctx.id}.endpoint): ${error.code === 'EADDRINUSE' ? 'the port is in use' : error.message}`)),
      );
      server.listen(port, host, () => resolve());
    });
    this.#ctx.logger.info('listening for webhook deliveries', { endpoint: config.endpoint, path: config.path, mode: config.mode });
  }

  /** The port actually listened on (for tests that ask for port 0). */
  get port(): number | undefined {
    const address = this.#server?.address();
    return typeof address === 'object' && address !== null ? address.port : undefined;
  }

  async shutdown(): Promise<void> {
    this.#stopping = true;
    const server = this.#server;
    if (server === undefined) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await Promise.race([Promise.allSettled([...this.#inFlight]), new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref())]);
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  #refuse(response: ServerResponse, status: number, code: string, reason: string): void {
    this.#ctx.telemetry.count(code);
    this.#ctx.logger.debug('webhook refused', { status, reason });
    if (status === 401) {
      const now = Date.now();
      if (now - this.#warnedAt > WARN_EVERY_MS) {
        this.#warnedAt = now;
        this.#ctx.logger.warn('webhook delivery refused', { status, reason });
      }
    }
    answer(response, status, { error: code.replace(/^refused_/, ''), message: reason }, status === 413 || status === 400 ? { connection: 'close' } : {});
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { config } = this.#ctx;
    const path = (request.url ?? '/').split('?')[0];
    if (path === `${config.path}/health` && request.method === 'GET') return answer(response, this.#stopping ? 503 : 200, { status: this.#stopping ? 'stopping' : 'ok' });
    if (path !== config.path) return this.#refuse(response, 404, 'refused_path', 'no such path');
    if (request.method !== 'POST') return this.#refuse(response, 405, 'refused_method', 'use POST');
    if (this.#stopping) return answer(response, 503, { error: 'shutting_down' }, { 'retry-after': '5' });

    if (config.mode === 'generic' && !checkBearer(request.headers, config.token ?? '')) return this.#refuse(response, 401, 'refused_token', 'missing or wrong bearer token');
    if (config.mode === 'grantex') {
      const timestamp = checkTimestamp(request.headers, config.toleranceSeconds, config.legacySignature);
      if (!timestamp.ok) return this.#refuse(response, 401, timestamp.code, timestamp.reason);
    }
    let body: Buffer;
    try {
      body = await readBody(request, config.maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        this.#refuse(response, 413, 'refused_too_large', `body over maxBodyBytes (${config.maxBodyBytes})`);
        request.socket.destroySoon?.();
        return;
      }
      throw error;
    }
    if (config.mode === 'grantex') {
      const signed = checkSignature(request.headers, body, config.secret ?? '', config.legacySignature);
      if (!signed.ok) return this.#refuse(response, 401, signed.code, signed.reason);
    }
    const parsed = config.mode === 'grantex' ? parseDelivery(body) : parseGeneric(body, request.headers['content-type']);
    if (!parsed.ok) {
      this.#ctx.telemetry.count('malformed');
      return this.#refuse(response, 400, 'refused_malformed', `${parsed.problem}: ${sample(body.toString('utf8'), 80)}`);
    }
    try {
      await this.#ctx.next.consume(parsed.events, { wait: false });
    } catch (error) {
      if (error instanceof BackpressureError) {
        this.#ctx.telemetry.count('refused_backpressure');
        return answer(response, 503, { error: 'busy', message: error.message }, { 'retry-after': String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))) });
      }
      if (error instanceof ShutdownError) return answer(response, 503, { error: 'shutting_down' }, { 'retry-after': '5' });
      throw error;
    }
    answer(response, 200, { accepted: parsed.events.length });
  }
}
