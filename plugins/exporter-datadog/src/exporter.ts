import { ConfigError, PermanentError, RetryableError, type Batch, type ExportContext, type ExportResult, type Exporter, type ExporterContext, type RejectedEvent } from '@ferry/sdk';
import { validateUrl, type DatadogConfig } from './config.js';
import { chunk, encodeEntries, LIMITS, type Entry } from './encode.js';
import { sendEntries } from './send.js';

/**
 * Encode-and-send for the Datadog Logs API v2: entries within the intake's limits (an entry
 * that cannot fit is rejected, never truncated), a 413 split in halves until it fits, and
 * per-event outcomes so the host retries only what did not arrive.
 */
export class DatadogExporter implements Exporter {
  readonly #ctx: ExporterContext<DatadogConfig>;

  constructor(ctx: ExporterContext<DatadogConfig>) {
    this.#ctx = ctx;
  }

  async start(): Promise<void> {
    const { config } = this.#ctx;
    if (!config.validateApiKey || config.endpoint !== undefined) return;
    let response: Response;
    try {
      response = await fetch(validateUrl(config.site), { headers: { 'dd-api-key': config.apiKey }, signal: AbortSignal.timeout(10_000) });
    } catch (error) {
      throw new RetryableError(`cannot reach Datadog (${config.site}) to check the API key: ${(error as Error).message}`);
    }
    await response.body?.cancel();
    if (response.status === 403 || response.status === 401) throw new ConfigError(`Datadog refused the API key for site ${config.site}: check exporters.${this.#ctx.id}.apiKey (and that the key belongs to that site)`);
  }

  async export(batch: Batch, { signal }: ExportContext): Promise<ExportResult | void> {
    const rejected: RejectedEvent[] = [];
    const entries: Entry[] = [];
    for (const entry of encodeEntries(batch, this.#ctx.config)) {
      if (entry.bytes > LIMITS.entryBytes) rejected.push({ index: entry.index, error: new PermanentError(`log entry of ${entry.bytes} bytes is over the Datadog intake's 1 MB per-entry limit (never sent truncated)`) });
      else entries.push(entry);
    }
    const failures: RejectedEvent[] = [];
    for (const part of chunk(entries)) failures.push(...(await this.#send(part, signal)));
    // When nothing arrived and the destination pushed back, say so as one error: the host backs off as a whole.
    if (rejected.length === 0 && failures.length === batch.count && failures.every((f) => f.error === failures[0]?.error)) throw failures[0]?.error;
    const all = [...rejected, ...failures];
    return all.length > 0 ? { rejected: all } : undefined;
  }

  /** Sends one request; on 413 the halves are sent, down to single entries. */
  async #send(entries: readonly Entry[], signal: AbortSignal): Promise<RejectedEvent[]> {
    const outcome = await sendEntries(entries, this.#ctx.config, this.#ctx.id, signal);
    if (outcome.kind === 'ok') return [];
    if (outcome.kind === 'failed') return entries.map((e) => ({ index: e.index, error: outcome.error }));
    if (entries.length === 1) {
      const only = entries[0] as Entry;
      return [{ index: only.index, error: new PermanentError(`the Datadog intake refused a ${only.bytes}-byte log entry as too large (413)`) }];
    }
    const middle = Math.ceil(entries.length / 2);
    return [...(await this.#send(entries.slice(0, middle), signal)), ...(await this.#send(entries.slice(middle), signal))];
  }
}
