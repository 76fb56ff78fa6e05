import type { IncomingMessage, ServerResponse } from 'node:http';
import { retryAfterOf, sample, type Receiver, type ReceiverContext } from '@ferry/sdk';
import { retryAfterHeader } from '@ferry/sdk/http';
import type { WebhookConfig } from './config.js';
import { BodyAborted, BodyTooLarge, parseDelivery, parseGeneric, readBody } from './body.js';
import { checkBearer, checkSignature, checkTimestamp, FERRY_HEADERS, GRANTEX_HEADERS, type SignatureHeaders } from './signature.js';
import { Refusals, type RefusalCode } from './refusals.js';
import { WebhookServer } from './server.js';

/** How long shutdown waits for requests whose events are being accepted. */
const DRAIN_MS = 5_000;
/** What a sender is asked to wait while Ferry stops (it is usually back within seconds). */
const STOPPING_RETRY_AFTER_S = 5;

export interface WebhookReceiverOptions {
  /** Overrides the shutdown drain bound (tests). */
  readonly drainMs?: number;
}

type Headers = Record<string, string>;

function isNamed(error: unknown, name: string): boolean {
  // The host may use another copy of the SDK, so instanceof is not enough.
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === name;
}

/**
 * An HTTP endpoint for Grantex webhook deliveries (or generic event posts). It answers 2xx
 * only after the pipeline accepted the events — on disk, with storage — so the sender's
 * retries make delivery end-to-end at-least-once. Nothing it refuses reaches a pipeline.
 */
export class WebhookReceiver implements Receiver {
  readonly #ctx: ReceiverContext<WebhookConfig>;
  readonly #refusals: Refusals;
  readonly #drainMs: number;
  /** Which headers carry the signature, when requests are signed (grantex mode, or a secret in generic mode). */
  readonly #signature: SignatureHeaders | undefined;
  #server: WebhookServer | undefined;
  #stopping = false;
  #stopped: Promise<void> | undefined;

  constructor(ctx: ReceiverContext<WebhookConfig>, options: WebhookReceiverOptions = {}) {
    this.#ctx = ctx;
    this.#refusals = new Refusals(ctx);
    this.#drainMs = options.drainMs ?? DRAIN_MS;
    const { config } = ctx;
    const defaults = config.mode === 'grantex' ? GRANTEX_HEADERS : FERRY_HEADERS;
    this.#signature =
      config.mode === 'grantex' || config.secret !== undefined ? { timestamp: config.timestampHeader ?? defaults.timestamp, signature: config.signatureHeader ?? defaults.signature } : undefined;
  }

  async start(): Promise<void> {
    const { config } = this.#ctx;
    const server = new WebhookServer(
      { endpoint: config.endpoint, requestTimeoutMs: config.requestTimeoutMs, headersTimeoutMs: config.headersTimeoutMs, tls: config.tls, configPath: `receivers.${this.#ctx.id}` },
      {
        request: (request, response) => this.#handle(request, response),
        clientError: (status, code, remote) =>
          this.#refusals.record(status === 408 ? 'refused_timeout' : 'refused_bad_request', status, status === 408 ? 'the request did not arrive in time' : `unreadable HTTP request (${code})`, remote),
      },
    );
    this.#server = server;
    await server.listen();
    this.#ctx.logger.info('listening for webhook deliveries', { endpoint: config.endpoint, path: config.path, mode: config.mode, tls: config.tls !== undefined });
  }

  /** The port actually listened on (for tests that ask for port 0). */
  get port(): number | undefined {
    return this.#server?.port;
  }

  shutdown(): Promise<void> {
    this.#stopping = true;
    this.#stopped ??= this.#server?.close(this.#drainMs) ?? Promise.resolve();
    return this.#stopped;
  }

  #answer(response: ServerResponse, status: number, body: Record<string, unknown>, headers: Headers = {}): void {
    if (response.headersSent || response.destroyed) return;
    // While stopping, no connection is kept for another request.
    const connection: Headers = this.#stopping ? { connection: 'close' } : {};
    response.writeHead(status, { 'content-type': 'application/json', ...connection, ...headers }).end(JSON.stringify(body));
  }

  #refuse(request: IncomingMessage, response: ServerResponse, status: number, code: RefusalCode, reason: string, headers: Headers = {}): void {
    this.#refusals.record(code, status, reason, request.socket.remoteAddress);
    this.#answer(response, status, { error: code.replace(/^refused_/, ''), message: reason }, headers);
  }

  /** Never rejects: whatever goes wrong is answered (500 lets the sender retry). */
  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      await this.#respond(request, response);
    } catch (error) {
      if (error instanceof BodyAborted) {
        this.#ctx.logger.debug('webhook client went away before sending the whole body', { remote: request.socket.remoteAddress });
        return;
      }
      this.#ctx.logger.error('webhook request failed; the sender will retry', { error: (error as Error).message });
      this.#answer(response, 500, { error: 'internal_error' });
    }
  }

  async #respond(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { config } = this.#ctx;
    const path = (request.url ?? '/').split('?')[0];
    if (path === `${config.path}/health`) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return this.#refuse(request, response, 405, 'refused_method', 'use GET', { allow: 'GET, HEAD' });
      return this.#answer(response, this.#stopping ? 503 : 200, { status: this.#stopping ? 'stopping' : 'ok' });
    }
    if (path !== config.path) return this.#refuse(request, response, 404, 'refused_path', 'no such path');
    if (request.method !== 'POST') return this.#refuse(request, response, 405, 'refused_method', 'use POST', { allow: 'POST' });
    if (this.#stopping) return this.#refuse(request, response, 503, 'refused_shutdown', 'shutting down', { 'retry-after': String(STOPPING_RETRY_AFTER_S) });

    // Authenticate what can be checked before reading the body.
    const legacy = config.mode === 'grantex' && config.legacySignature;
    if (config.mode === 'generic' && config.token !== undefined && !checkBearer(request.headers, config.token)) {
      return this.#refuse(request, response, 401, 'refused_token', 'missing or wrong bearer token', { 'www-authenticate': 'Bearer' });
    }
    if (this.#signature !== undefined) {
      const timestamp = checkTimestamp(request.headers, config.toleranceSeconds, legacy, this.#signature);
      if (!timestamp.ok) return this.#refuse(request, response, 401, timestamp.code, timestamp.reason);
    }

    let body: Buffer;
    try {
      body = await readBody(request, config.maxBodyBytes);
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) throw error;
      // The rest of the body is never read: the connection closes after the answer.
      return this.#refuse(request, response, 413, 'refused_too_large', `body over maxBodyBytes (${config.maxBodyBytes})`, { connection: 'close' });
    }
    if (this.#signature !== undefined) {
      const signed = checkSignature(request.headers, body, config.secret ?? '', legacy, this.#signature);
      if (!signed.ok) return this.#refuse(request, response, 401, signed.code, signed.reason);
    }
    const parsed = config.mode === 'grantex' ? parseDelivery(body) : parseGeneric(body, request.headers['content-type']);
    if (!parsed.ok) {
      this.#ctx.telemetry.count('malformed');
      return this.#refuse(request, response, 400, 'refused_malformed', `${parsed.problem}: ${sample(body.toString('utf8'), 80)}`);
    }

    try {
      // wait: false — a full pipeline answers 503 now instead of holding the connection.
      await this.#ctx.next.consume(parsed.events, { wait: false });
    } catch (error) {
      if (isNamed(error, 'BackpressureError')) {
        return this.#refuse(request, response, 503, 'refused_backpressure', (error as Error).message, { 'retry-after': retryAfterHeader(retryAfterOf(error)) });
      }
      if (isNamed(error, 'ShutdownError')) return this.#refuse(request, response, 503, 'refused_shutdown', 'shutting down', { 'retry-after': String(STOPPING_RETRY_AFTER_S) });
      throw error;
    }
    this.#ctx.logger.debug('webhook delivery accepted', { events: parsed.events.length, remote: request.socket.remoteAddress });
    this.#answer(response, 200, { accepted: parsed.events.length });
  }
}
