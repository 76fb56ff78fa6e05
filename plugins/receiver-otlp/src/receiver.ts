import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gunzip as gunzipCallback } from 'node:zlib';
import { decodeEvent, retryAfterOf, type FerryEvent, type Receiver, type ReceiverContext } from '@ferry/sdk';
import { retryAfterHeader } from '@ferry/sdk/http';
import { decodeJsonRequest, decodeProtobufRequest, recordsToEventTexts, type DecodedRecord } from '@ferry/otlp';
import { BodyAborted, BodyTooLarge, readBody, ReceiverServer } from '@ferry/receiver-webhook/server';
import { answer, RPC, type Encoding } from './answers.js';
import type { OtlpReceiverConfig } from './config.js';

const gunzip = promisify(gunzipCallback);
const DRAIN_MS = 5_000;
const STOPPING_RETRY_AFTER = '5';

const isNamed = (error: unknown, name: string) => typeof error === 'object' && error !== null && (error as { name?: unknown }).name === name;

function encodingOf(contentType: string | undefined): Encoding | undefined {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  return type === 'application/x-protobuf' ? 'protobuf' : type === 'application/json' ? 'json' : undefined;
}

/**
 * An OTLP/HTTP logs endpoint. Each log record becomes a Ferry event (the README's mapping
 * read backwards for records Ferry sent; everything kept under `otlp` for others), and the
 * answer is 200 only once the pipeline accepted them — on disk, with storage — so a
 * client's retries give end-to-end at-least-once. A malformed request gets 400, a full
 * pipeline 503 with Retry-After, as the OTLP specification asks.
 */
export class OtlpReceiver implements Receiver {
  readonly #ctx: ReceiverContext<OtlpReceiverConfig>;
  #server: ReceiverServer | undefined;
  #stopping = false;
  #stopped: Promise<void> | undefined;

  constructor(ctx: ReceiverContext<OtlpReceiverConfig>) {
    this.#ctx = ctx;
  }

  get port(): number | undefined {
    return this.#server?.port;
  }

  async start(): Promise<void> {
    const { config } = this.#ctx;
    this.#server = new ReceiverServer(
      { endpoint: config.endpoint, requestTimeoutMs: config.requestTimeoutMs, headersTimeoutMs: config.headersTimeoutMs, tls: undefined, configPath: `receivers.${this.#ctx.id}` },
      {
        request: (request, response) => this.#handle(request, response),
        clientError: (status, code) => {
          this.#ctx.telemetry.count(status === 408 ? 'refused_timeout' : 'refused_bad_request');
          this.#ctx.logger.debug('OTLP request refused by the HTTP layer', { status, code });
        },
      },
    );
    await this.#server.listen();
    this.#ctx.logger.info('listening for OTLP/HTTP logs', { endpoint: config.endpoint, path: config.path });
  }

  shutdown(): Promise<void> {
    this.#stopping = true;
    this.#stopped ??= this.#server?.close(DRAIN_MS) ?? Promise.resolve();
    return this.#stopped;
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      await this.#respond(request, response);
    } catch (error) {
      if (error instanceof BodyAborted) return;
      this.#ctx.logger.error('OTLP request failed; the client will retry', { error: (error as Error).message });
      answer(response, encodingOf(request.headers['content-type']) ?? 'json', 500, { code: RPC.unavailable, message: 'internal error' });
    }
  }

  #refuse(response: ServerResponse, encoding: Encoding, status: number, counter: string, code: number, message: string, headers: Record<string, string> = {}): void {
    this.#ctx.telemetry.count(counter);
    this.#ctx.logger.debug('OTLP request refused', { status, message });
    answer(response, encoding, status, { code, message }, headers);
  }

  async #respond(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { config } = this.#ctx;
    const encoding = encodingOf(request.headers['content-type']);
    if ((request.url ?? '').split('?')[0] !== config.path) return this.#refuse(response, encoding ?? 'json', 404, 'refused_path', RPC.unimplemented, 'no such path');
    if (request.method !== 'POST') return this.#refuse(response, encoding ?? 'json', 405, 'refused_method', RPC.unimplemented, 'use POST', { allow: 'POST' });
    if (encoding === undefined) return this.#refuse(response, 'json', 415, 'refused_media_type', RPC.invalidArgument, 'Content-Type must be application/x-protobuf or application/json');
    if (this.#stopping) return this.#refuse(response, encoding, 503, 'refused_shutdown', RPC.unavailable, 'shutting down', { 'retry-after': STOPPING_RETRY_AFTER });
    if (config.token !== undefined && !this.#bearer(request, config.token)) return this.#refuse(response, encoding, 401, 'refused_token', RPC.unauthenticated, 'missing or wrong bearer token');

    let body: Buffer;
    try {
      body = await readBody(request, config.maxBodyBytes);
      const contentEncoding = request.headers['content-encoding'];
      if (contentEncoding === 'gzip') body = await gunzip(body, { maxOutputLength: config.maxBodyBytes });
      else if (contentEncoding !== undefined && contentEncoding !== 'identity') return this.#refuse(response, encoding, 415, 'refused_media_type', RPC.invalidArgument, `Content-Encoding ${contentEncoding} is not supported (gzip is)`);
    } catch (error) {
      if (error instanceof BodyTooLarge || (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        return this.#refuse(response, encoding, 413, 'refused_too_large', RPC.resourceExhausted, `body over maxBodyBytes (${config.maxBodyBytes})`, { connection: 'close' });
      }
      if (error instanceof BodyAborted) throw error;
      return this.#refuse(response, encoding, 400, 'refused_malformed', RPC.invalidArgument, `the body is not gzip (${(error as Error).message})`);
    }

    let events: FerryEvent[];
    try {
      const records: DecodedRecord[] = encoding === 'protobuf' ? decodeProtobufRequest(body) : decodeJsonRequest(body.toString('utf8'));
      events = recordsToEventTexts(records).map((text) => {
        const decoded = decodeEvent(text);
        if (!decoded.ok) throw new Error(`a record mapped to no event: ${decoded.problem}`);
        return decoded.event;
      });
    } catch (error) {
      this.#ctx.telemetry.count('malformed');
      return this.#refuse(response, encoding, 400, 'refused_malformed', RPC.invalidArgument, `not an OTLP logs request: ${(error as Error).message}`);
    }
    if (events.length > 0) {
      try {
        // wait: false — a full pipeline answers 503 now instead of holding the connection.
        await this.#ctx.next.consume(events, { wait: false });
      } catch (error) {
        if (isNamed(error, 'BackpressureError')) return this.#refuse(response, encoding, 503, 'refused_backpressure', RPC.unavailable, (error as Error).message, { 'retry-after': retryAfterHeader(retryAfterOf(error)) });
        if (isNamed(error, 'ShutdownError')) return this.#refuse(response, encoding, 503, 'refused_shutdown', RPC.unavailable, 'shutting down', { 'retry-after': STOPPING_RETRY_AFTER });
        throw error;
      }
    }
    this.#ctx.logger.debug('OTLP logs accepted', { records: events.length });
    answer(response, encoding, 200);
  }

  /** `Authorization: Bearer <token>`, compared as digests so the time taken says nothing of the token. */
  #bearer(request: IncomingMessage, token: string): boolean {
    const match = /^bearer +(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    const digest = (text: string) => createHash('sha256').update(text).digest();
    return match !== null && timingSafeEqual(digest(match[1] as string), digest(token));
  }
}
