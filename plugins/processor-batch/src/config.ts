import { Type, type Static } from '@ferry/sdk';

/**
 * Defaults. `batchSize` follows the OpenTelemetry Collector's batch processor (8192):
 * policies combine by "smallest wins", so this is a ceiling for the whole pipeline that
 * never enlarges an exporter's destination-tuned batch (s3 1000, bigquery 500, datadog
 * 100); it only sizes batches for exporters that set none (file, debug, third-party),
 * where fewer, larger objects mean fewer files and fsyncs. Memory stays bounded by
 * `maxBatchBytes` whatever the count.
 */
export const BATCH_DEFAULTS = { batchSize: 8192, maxBatchBytes: 5 * 1024 * 1024, flushIntervalMs: 1000 } as const;

export const configSchema = Type.Object(
  {
    batchSize: Type.Integer({
      minimum: 1,
      default: BATCH_DEFAULTS.batchSize,
      description: 'Most events in one batch, for every exporter of the pipeline that does not set its own batchSize (destination limits still cap it).',
    }),
    maxBatchBytes: Type.Integer({
      minimum: 1,
      default: BATCH_DEFAULTS.maxBatchBytes,
      description: 'Most NDJSON bytes in one batch, for every exporter of the pipeline that does not set its own maxBatchBytes (destination limits still cap it).',
    }),
    flushIntervalMs: Type.Integer({
      minimum: 0,
      default: BATCH_DEFAULTS.flushIntervalMs,
      description:
        'Send a batch at the latest this long (ms) after its first event was accepted, even if it is not full, for every exporter that does not set its own flushIntervalMs. 0: no timer, batches are cut by size only (and flushed at shutdown).',
    }),
  },
  { additionalProperties: false },
);

export type BatchConfig = Static<typeof configSchema>;
