import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { PermanentError, RetryableError, type Batch, type ExportContext, type ExportResult, type Exporter, type ExporterContext, type RejectedEvent } from '@ferry/sdk';
import { fetchAnswer, sendInRequests } from '@ferry/sdk/http';
import { AckPoller } from './ack.js';
import { destinationName, hecBase, type SplunkHecConfig } from './config.js';
import { encodeBatch, payload, type Entry } from './encode.js';
import { answerError, readAnswer, type HecAnswer, type Place } from './errors.js';

// The callback form runs on libuv's thread pool, so compressing a large batch never blocks the loop.
const gzip = promisify(gzipCallback);

/**
 * Encode-and-send for Splunk's HTTP Event Collector: each event in the HEC envelope with its
 * stored text as `event`, gzip, one channel per exporter; with `useAck`, a batch is
 * delivered only once HEC reports it indexed. A 413 splits the request in halves; an event
 * HEC cannot read (code 6) is dead-lettered alone and its neighbours sent again.
 */
export class SplunkHecExporter implements Exporter {
  readonly #ctx: ExporterContext<SplunkHecConfig>;
  readonly #place: Place;
  readonly #eventUrl: string;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #acks: AckPoller | undefined;
  #warnedNoAckId = false;

  constructor(ctx: ExporterContext<SplunkHecConfig>) {
    this.#ctx = ctx;
    const { config } = ctx;
    const base = hecBase(config.hecUrl);
    const channel = config.channel ?? randomUUID();
    this.#place = { destination: destinationName(config.hecUrl), configPath: `exporters.${ctx.id}` };
    this.#eventUrl = `${base}/services/collector/event`;
    // The channel goes on every request: a token with acknowledgement on refuses requests without one.
    this.#headers = { authorization: `Splunk ${config.hecToken}`, 'x-splunk-request-channel': channel };
    this.#acks = config.useAck
      ? new AckPoller(
          {
            url: `${base}/services/collector/ack?channel=${channel}`,
            headers: this.#headers,
            intervalMs: config.ackPollIntervalMs,
            timeoutMs: config.ackTimeoutMs,
            requestTimeoutMs: config.requestTimeoutMs,
            destination: this.#place.destination,
          },
          ctx.logger,
        )
      : undefined;
  }

  async export(batch: Batch, { signal }: ExportContext): Promise<ExportResult | void> {
    if (batch.count === 0) return;
    return sendInRequests({
      count: batch.count,
      requests: [encodeBatch(batch, this.#ctx.config)],
      send: (entries) => this.#send(entries, signal),
      onSplit: (count) => this.#ctx.logger.debug('HEC answered 413; sending the request in halves', { events: count }),
    });
  }

  async #send(entries: readonly Entry[], signal: AbortSignal): Promise<RejectedEvent[] | void> {
    const answer = await this.#post(entries, signal);
    if (answer.code === 6 && answer.invalidEvent !== undefined && entries[answer.invalidEvent] !== undefined) return this.#invalidEvent(entries, answer);
    const error = answerError(answer, this.#place);
    if (error !== undefined) throw error;
    if (this.#acks === undefined) return;
    if (answer.ackId === undefined) {
      if (!this.#warnedNoAckId) this.#ctx.logger.warn('useAck is on but HEC answers without an ackId: the token has indexer acknowledgement off, so delivered means accepted, not indexed', { destination: this.#place.destination });
      this.#warnedNoAckId = true;
      return;
    }
    await this.#acks.wait(answer.ackId, signal);
  }

  /**
   * HEC could not read one event of the request: that one is dead-lettered; the others are
   * sent again (those before it may already be indexed: at-least-once).
   */
  #invalidEvent(entries: readonly Entry[], answer: HecAnswer): RejectedEvent[] {
    const bad = answer.invalidEvent as number;
    const refused = new PermanentError(`${this.#place.destination} could not read this event (${answer.status}, code 6: ${answer.text})`);
    const again = new RetryableError(`${this.#place.destination} refused event ${bad} of the request it came in; sending the others again`);
    return entries.map((entry, at) => ({ index: entry.index, error: at === bad ? refused : again }));
  }

  async #post(entries: readonly Entry[], signal: AbortSignal): Promise<HecAnswer> {
    const { config } = this.#ctx;
    const plain = payload(entries);
    const body = config.compression === 'gzip' ? await gzip(plain) : plain;
    const headers: Record<string, string> = { ...this.#headers, 'content-type': 'application/json' };
    if (config.compression === 'gzip') headers['content-encoding'] = 'gzip';
    const options = { signal, timeoutMs: config.requestTimeoutMs, destination: this.#place.destination };
    return fetchAnswer(this.#eventUrl, { method: 'POST', headers, body }, options, async (response) =>
      readAnswer(response.status, response.headers.get('retry-after'), await response.text().catch(() => ''), config.hecToken),
    );
  }

  async shutdown(): Promise<void> {
    this.#acks?.close();
  }
}
