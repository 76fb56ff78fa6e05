import { defineProcessor } from '@ferry/sdk';
import { configSchema } from './config.js';

/**
 * Holds no events: it only states how the host cuts the pipeline's durable log into
 * batches, so nothing waiting for a batch is ever only in memory (see README).
 */
export default defineProcessor({
  type: 'batch',
  description: 'Sets how the pipeline cuts its durable log into batches: by count, bytes or time, whichever comes first.',
  stability: 'beta',
  configSchema,
  create: ({ config }) => ({
    batching: Object.freeze({ batchSize: config.batchSize, maxBatchBytes: config.maxBatchBytes, flushIntervalMs: config.flushIntervalMs }),
  }),
});
