import { PermanentError, type Batch, type ExportContext, type ExportResult, type Exporter, type ExporterContext } from '@ferry/sdk';
import { sendInRequests } from '@ferry/sdk/http';
import { destinationName, intakeUrl, type DatadogConfig } from './config.js';
import { checkApiKey } from './check.js';
import { BatchEncoder, chunk, LIMITS, payload } from './encode.js';
import { entryTooLarge, type Place } from './errors.js';
import { postEntries, type SendTarget } from './send.js';

/**
 * Encode-and-send for the Datadog Logs API v2. Requests stay within the intake's limits
 * (an entry that cannot fit is rejected, never truncated) and go out through the SDK's
 * `sendInRequests`: a 413 is split in halves down to single entries, a retryable answer or
 * a refused key stops the batch, and outcomes are reported per event so the host retries
 * only what did not arrive. Retries, backoff and queueing are the host's.
 */
export class DatadogExporter implements Exporter {
  readonly #ctx: ExporterContext<DatadogConfig>;
  readonly #target: SendTarget;
  readonly #encoder: BatchEncoder;

  constructor(ctx: ExporterContext<DatadogConfig>) {
    this.#ctx = ctx;
    this.#encoder = new BatchEncoder(ctx.config);
    const at = `exporters.${ctx.id}`;
    const place: Place = { destination: destinationName(ctx.config), keyOption: `${at}.apiKey`, addressOption: ctx.config.endpoint === undefined ? `${at}.site` : `${at}.endpoint` };
    this.#target = { url: intakeUrl(ctx.config), config: ctx.config, place };
  }

  async start(): Promise<void> {
    await checkApiKey(this.#ctx.config, this.#target.place, this.#ctx.logger, this.#ctx.signal);
  }

  async export(batch: Batch, { signal }: ExportContext): Promise<ExportResult | void> {
    if (batch.count === 0) return;
    const { body, entries, oversize } = this.#encoder.encode(batch);
    const { place } = this.#target;
    return sendInRequests({
      count: batch.count,
      requests: chunk(entries),
      rejected: oversize.map((entry) => ({
        index: entry.index,
        error: new PermanentError(`log entry of ${entry.bytes} bytes is over the Datadog intake's ${LIMITS.entryBytes}-byte per-entry limit (Datadog would truncate it, so it is not sent)`),
      })),
      send: (request) => postEntries(payload(body, request), this.#target, signal),
      tooLarge: (entry, refusal) => entryTooLarge(entry.bytes, refusal, place),
      onSplit: (count) => this.#ctx.logger.debug('the intake answered 413; sending the request in halves', { entries: count }),
    });
  }
}
