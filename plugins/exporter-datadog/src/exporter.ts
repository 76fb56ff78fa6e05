import { PermanentError, type Batch, type ExportContext, type ExportResult, type Exporter, type ExporterContext, type RejectedEvent } from '@ferry/sdk';
import { destinationName, intakeUrl, type DatadogConfig } from './config.js';
import { checkApiKey } from './check.js';
import { chunk, encodeBatch, LIMITS, type Entry } from './encode.js';
import { classify, type Place, type Verdict } from './errors.js';
import { postEntries, type SendTarget } from './send.js';

/** What became of the entries of one request (and of its halves after a 413). */
interface Outcome {
  readonly rejected: RejectedEvent[];
  /** Set when the destination pushed back or refused the key: send nothing more this attempt. */
  readonly halt?: Error;
}

/**
 * Encode-and-send for the Datadog Logs API v2. Requests stay within the intake's limits
 * (an entry that cannot fit is rejected, never truncated), a 413 is split in halves down
 * to single entries, and outcomes are reported per event so the host retries only what
 * did not arrive. Retries, backoff and queueing are the host's.
 */
export class DatadogExporter implements Exporter {
  readonly #ctx: ExporterContext<DatadogConfig>;
  readonly #target: SendTarget;

  constructor(ctx: ExporterContext<DatadogConfig>) {
    this.#ctx = ctx;
    const place: Place = { destination: destinationName(ctx.config), keyOption: `exporters.${ctx.id}.apiKey` };
    this.#target = { url: intakeUrl(ctx.config), config: ctx.config, place };
  }

  async start(): Promise<void> {
    await checkApiKey(this.#ctx.config, this.#target.place, this.#ctx.logger, this.#ctx.signal);
  }

  async export(batch: Batch, { signal }: ExportContext): Promise<ExportResult | void> {
    if (batch.count === 0) return;
    const { entries, oversize } = encodeBatch(batch, this.#ctx.config);
    const rejected: RejectedEvent[] = oversize.map((entry) => ({
      index: entry.index,
      error: new PermanentError(`log entry of ${entry.bytes} bytes is over the Datadog intake's ${LIMITS.entryBytes}-byte per-entry limit (Datadog would truncate it, so it is not sent)`),
    }));
    const requests = chunk(entries);
    for (const [at, request] of requests.entries()) {
      const outcome = await this.#send(request, signal);
      rejected.push(...outcome.rejected);
      if (outcome.halt) {
        const error = outcome.halt;
        for (const unsent of requests.slice(at + 1)) rejected.push(...unsent.map((entry) => ({ index: entry.index, error })));
        break;
      }
    }
    if (rejected.length === 0) return;
    // Nothing arrived, for one reason: one error lets the host treat the batch as a whole.
    const first = rejected[0]?.error;
    if (rejected.length === batch.count && rejected.every((r) => r.error === first)) throw first;
    return { rejected: rejected.sort((a, b) => a.index - b.index) };
  }

  /** One request; on 413 its halves, recursively, down to a single entry. */
  async #send(entries: readonly Entry[], signal: AbortSignal): Promise<Outcome> {
    let verdict: Verdict;
    try {
      verdict = classify(await postEntries(entries, this.#target, signal), this.#target.place);
    } catch (error) {
      return this.#all(entries, error as Error, true);
    }
    switch (verdict.kind) {
      case 'delivered':
        return { rejected: [] };
      case 'halt':
        return this.#all(entries, verdict.error, true);
      case 'refused':
        return this.#all(entries, verdict.error, false);
      case 'too-large':
        break;
    }
    if (entries.length === 1) {
      const only = entries[0] as Entry;
      const error = new PermanentError(`the Datadog intake (${this.#target.place.destination}) refused a ${only.bytes}-byte log entry as too large (413)${verdict.reason ? `: ${verdict.reason}` : ''}`);
      return { rejected: [{ index: only.index, error }] };
    }
    const middle = Math.ceil(entries.length / 2);
    this.#ctx.logger.debug('the intake answered 413; sending the request in halves', { entries: entries.length });
    const first = await this.#send(entries.slice(0, middle), signal);
    if (first.halt) return { rejected: [...first.rejected, ...this.#all(entries.slice(middle), first.halt, true).rejected], halt: first.halt };
    const second = await this.#send(entries.slice(middle), signal);
    return { rejected: [...first.rejected, ...second.rejected], ...(second.halt ? { halt: second.halt } : {}) };
  }

  #all(entries: readonly Entry[], error: Error, halt: boolean): Outcome {
    return { rejected: entries.map((entry) => ({ index: entry.index, error })), ...(halt ? { halt: error } : {}) };
  }
}
