import type { TObject } from './schema.js';
import type { Component, ExporterContext } from './component.js';
import type { Batch } from './batch.js';
import type { BatchPolicy } from './processor.js';
import { finishDefinition, type ConfigOf, type DefinitionBase, type DefinitionInput } from './definition.js';

export interface ExportContext {
  /** Aborted when the attempt times out or the collector stops waiting; pass it to requests. */
  readonly signal: AbortSignal;
  /** 1 for the first attempt of this batch, then 2, 3, … */
  readonly attempt: number;
}

/** One event of a batch the destination did not take. */
export interface RejectedEvent {
  /** Index into the batch's events. */
  readonly index: number;
  /** A PermanentError dead-letters the event with its message; a ConfigError holds it; any other error retries it. */
  readonly error: Error;
}

/** What an export returns when only some events were taken (the rest were delivered). */
export interface ExportResult {
  readonly rejected?: readonly RejectedEvent[];
}

/**
 * The encode-and-send step for one destination. The host wraps it with the durable
 * queue, batching, retries with backoff, timeouts, dead letters and metrics.
 */
export interface Exporter extends Component {
  /**
   * Sends one batch. Resolve once the destination has accepted it. Throw a RetryableError
   * (with `retryAfterMs` when the destination asked for a pause), a PermanentError (the
   * events are dead-lettered) or a ConfigError (the events are held queued and the exporter
   * marked failed until it delivers again); any other error is retried. The same batch may
   * be sent again after a failure or a crash, so use `batch.id` or the event ids as
   * idempotency keys where you can. For HTTP, `@ferry/sdk/http` turns answers into these.
   */
  export(batch: Batch, context: ExportContext): Promise<ExportResult | void>;
}

/** What the destination cannot take in one request; the host never builds a larger batch. */
export interface ExporterLimits {
  readonly maxBatchSize?: number;
  readonly maxBatchBytes?: number;
}

export interface ExporterDefinition<Schema extends TObject = TObject> extends DefinitionBase<'exporter', Schema> {
  /** This destination's defaults for the host's batching options (`batchSize`, `flushIntervalMs`, …). */
  readonly batchDefaults?: BatchPolicy;
  readonly limits?: ExporterLimits;
  create(ctx: ExporterContext<ConfigOf<Schema>>): Exporter;
}

export function defineExporter<Schema extends TObject>(
  definition: DefinitionInput<ExporterDefinition<Schema>>,
): ExporterDefinition<Schema> {
  return finishDefinition<'exporter', ExporterDefinition<Schema>>('exporter', definition);
}
