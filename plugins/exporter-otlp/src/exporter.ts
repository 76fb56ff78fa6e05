import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { Resource } from '@ferry/otlp';
import { PermanentError, type Batch, type ExportContext, type ExportResult, type Exporter, type ExporterContext } from '@ferry/sdk';
import { fetchAnswer, sendInRequests, statusError } from '@ferry/sdk/http';
import { logsUrl, type OtlpExporterConfig } from './config.js';
import { CONTENT_TYPES, decodeResponse, encodeRequest, itemsOf, resourceOf, type Item } from './encode.js';

const gzip = promisify(gzipCallback);

/**
 * Encode-and-send for OTLP/HTTP logs: each event a log record, the request written by the
 * OpenTelemetry transformer, sent by Ferry (the host retries and times out; the OTLP
 * exporter packages would retry on their own, hide Retry-After, and count a partial
 * success as delivered). A partial success that rejects records is dead-lettered whole:
 * OTLP does not say which records it refused.
 */
export class OtlpExporter implements Exporter {
  readonly #ctx: ExporterContext<OtlpExporterConfig>;
  readonly #url: string;
  readonly #destination: string;
  readonly #resource: Resource;
  readonly #secrets: readonly string[];

  constructor(ctx: ExporterContext<OtlpExporterConfig>) {
    this.#ctx = ctx;
    this.#url = logsUrl(ctx.config);
    this.#destination = `the OTLP endpoint ${new URL(this.#url).origin}`;
    this.#resource = resourceOf(ctx.config);
    this.#secrets = Object.values(ctx.config.headers).filter((value) => value.length > 0);
  }

  async export(batch: Batch, { signal }: ExportContext): Promise<ExportResult | void> {
    if (batch.count === 0) return;
    return sendInRequests({
      count: batch.count,
      requests: [itemsOf(batch)],
      send: (items) => this.#send(items, batch.receivedAt, signal),
      onSplit: (count) => this.#ctx.logger.debug('the endpoint answered 413; sending the request in halves', { events: count }),
    });
  }

  async #send(items: readonly Item[], receivedAt: number, signal: AbortSignal): Promise<void> {
    const { config } = this.#ctx;
    const plain = encodeRequest(items, receivedAt, this.#resource, config.encoding);
    const body = config.compression === 'gzip' ? await gzip(plain) : plain;
    const headers: Record<string, string> = { ...config.headers, 'content-type': CONTENT_TYPES[config.encoding] };
    if (config.compression === 'gzip') headers['content-encoding'] = 'gzip';
    const options = { signal, timeoutMs: config.requestTimeoutMs, destination: this.#destination };
    const { response, answer } = await fetchAnswer(this.#url, { method: 'POST', headers, body }, options, async (response) => ({
      response,
      answer: new Uint8Array(await response.arrayBuffer().catch(() => new ArrayBuffer(0))),
    }));
    if (!response.ok) {
      const error = statusError(response.status, `${this.#destination} answered ${response.status}${this.#reason(answer)}`, { retryAfter: response.headers.get('retry-after') });
      if (error !== undefined) throw error;
    }
    const partial = decodeResponse(answer, config.encoding)?.partialSuccess;
    const rejected = Number(partial?.rejectedLogRecords ?? 0);
    if (rejected > 0) {
      throw new PermanentError(
        `${this.#destination} rejected ${rejected} of ${items.length} log records${partial?.errorMessage ? `: ${partial.errorMessage}` : ''} — OTLP does not say which, so all ${items.length} are dead-lettered (a replay sends again those it took)`,
      );
    }
  }

  /** A short, secret-free excerpt of an error answer (a google.rpc.Status in JSON, or text). */
  #reason(answer: Uint8Array): string {
    let text = Buffer.from(answer).toString('utf8');
    if (!/^[\x20-\x7e\s]*$/.test(text)) return '';
    for (const secret of this.#secrets) text = text.split(secret).join('[redacted]');
    text = text.replace(/\s+/g, ' ').trim();
    return text === '' ? '' : `: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`;
  }
}
