import { defineExporter } from '@ferry/sdk';
import { configSchema } from './config.js';
import { LIMITS } from './encode.js';
import { BigQueryExporter } from './exporter.js';

export default defineExporter({
  type: 'bigquery',
  description: 'Streams events into a BigQuery table with the row mapping of @grantex/destinations (event_id, event_type, created_at, data) and insertId = event id, retrying only the rows that can succeed.',
  stability: 'beta',
  configSchema,
  // The seed's batchSize; flushIntervalMs has no seed default, so the host's applies.
  batchDefaults: { batchSize: 500 },
  // insertAll's hard limits. The request is larger than the batch's NDJSON (`data` is a JSON
  // string inside JSON), so a batch near the byte limit is sent as several requests.
  limits: { maxBatchSize: LIMITS.rows, maxBatchBytes: LIMITS.requestBytes },
  create: (ctx) => new BigQueryExporter(ctx),
});
