import { defineExporter } from '@ferry/sdk';
import { configSchema, validate } from './config.js';
import { sendBatch } from './send.js';

/**
 * The encode-and-send step. Ferry's host does the rest for every exporter: the durable
 * queue, batching, retries with backoff, timeouts, dead letters, metrics and shutdown.
 */
export default defineExporter({
  type: 'template_type',
  description: 'POSTs each batch of events as NDJSON to an HTTP endpoint.',
  stability: 'development',
  configSchema,
  validate,
  batchDefaults: { batchSize: 500 },
  // What the destination takes in one request: the host never cuts a larger batch.
  limits: { maxBatchBytes: 4 * 1024 * 1024 },
  create: (ctx) => ({
    export: (batch, { signal }) => sendBatch(batch, ctx.config, signal),
  }),
});
