import { defineExporter } from '@ferry/sdk';
import { configSchema } from './config.js';
import { BigQueryExporter } from './exporter.js';
import { LIMITS } from './rows.js';

export default defineExporter({
  type: 'bigquery',
  description: 'Streams events into a BigQuery table with the seed row mapping and insertId = event id, retrying only the rows that can succeed.',
  stability: 'beta',
  configSchema,
  batchDefaults: { batchSize: 500 },
  limits: { maxBatchSize: LIMITS.rows, maxBatchBytes: 8 * 1024 * 1024 },
  create: (ctx) => new BigQueryExporter(ctx),
});
