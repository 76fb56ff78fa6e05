import { PermanentError, type Batch, type ExportContext, type ExportResult, type Exporter, type ExporterContext } from '@ferry/sdk';
import { sendInRequests, unreachable } from '@ferry/sdk/http';
import { destinationName, type HttpConfig } from './config.js';
import { body, CONTENT_TYPES, itemsOf, type Item } from './encode.js';
import { answerError, type Place } from './errors.js';
import { signatureHeaders } from './sign.js';
import { NoAnswer, Transport } from './transport.js';

/** Every secret value of the config, to keep out of anything echoed back. */
function secretsOf(config: HttpConfig): string[] {
  const auth = config.auth;
  return [config.secret, auth?.token, auth?.password, ...Object.values(config.headers)].filter((s): s is string => s !== undefined && s.length > 0);
}

/**
 * Encode-and-send for any HTTP endpoint: a JSON array or NDJSON of the stored texts, signed
 * when a secret is set, the batch id as idempotency key. A 413 splits the request in halves
 * down to one event; outcomes are per event, so the host retries only what did not arrive.
 */
export class HttpExporter implements Exporter {
  readonly #ctx: ExporterContext<HttpConfig>;
  readonly #place: Place;
  readonly #fixedHeaders: Readonly<Record<string, string>>;
  #transport: Transport | undefined;

  constructor(ctx: ExporterContext<HttpConfig>) {
    this.#ctx = ctx;
    const { config } = ctx;
    this.#place = { destination: destinationName(config.url), configPath: `exporters.${ctx.id}`, secrets: secretsOf(config) };
    const auth = config.auth;
    const authorization =
      auth?.type === 'bearer' ? `Bearer ${auth.token ?? ''}` : auth?.type === 'basic' ? `Basic ${Buffer.from(`${auth.username ?? ''}:${auth.password ?? ''}`).toString('base64')}` : undefined;
    // Ferry's own headers come last: a configured header cannot change what the body is.
    this.#fixedHeaders = { ...config.headers, ...(authorization ? { authorization } : {}), 'content-type': CONTENT_TYPES[config.format] };
  }

  async start(): Promise<void> {
    this.#transport ??= await Transport.open(this.#ctx.config, this.#place.configPath);
    if (this.#ctx.config.tls?.insecureSkipVerify) this.#ctx.logger.warn('TLS certificates are not verified (tls.insecureSkipVerify): only for testing', { destination: this.#place.destination });
  }

  async export(batch: Batch, { signal }: ExportContext): Promise<ExportResult | void> {
    if (batch.count === 0) return;
    const transport = (this.#transport ??= await Transport.open(this.#ctx.config, this.#place.configPath));
    const items = itemsOf(batch);
    return sendInRequests({
      count: batch.count,
      requests: [items],
      // A half after a 413 is a batch of its own: its own content id.
      send: (part) => this.#post(transport, part, part.length === items.length ? batch.id : batch.select(part.map((item) => item.index)).id, signal),
      tooLarge: (item, refusal) => new PermanentError(`a ${Buffer.byteLength(item.line)}-byte event was refused as too large even alone (${refusal.message})`),
      onSplit: (count) => this.#ctx.logger.debug('the endpoint answered 413; sending the request in halves', { events: count }),
    });
  }

  async #post(transport: Transport, items: readonly Item[], id: string, signal: AbortSignal): Promise<void> {
    const { config } = this.#ctx;
    const payload = body(items, config.format);
    const headers: Record<string, string> = { ...this.#fixedHeaders, [config.idempotencyHeader]: id };
    // Each request is signed when it is sent: a retry carries a fresh timestamp.
    if (config.secret !== undefined) Object.assign(headers, signatureHeaders(payload, config.secret, config));
    let error: Error | undefined;
    try {
      error = answerError(await transport.post(payload, headers, signal), this.#place);
    } catch (noAnswer) {
      if (noAnswer instanceof NoAnswer) throw unreachable(this.#place.destination, noAnswer, { signal, timeout: noAnswer.timeout });
      throw noAnswer;
    }
    if (error !== undefined) throw error;
  }

  async shutdown(): Promise<void> {
    this.#transport?.close();
    this.#transport = undefined;
  }
}
