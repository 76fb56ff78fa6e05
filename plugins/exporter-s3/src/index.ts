import { defineExporter } from '@ferry/sdk';
import { configSchema } from './config.js';
import { S3Exporter } from './exporter.js';

export default defineExporter({
  type: 's3',
  description: 'Archives events as NDJSON objects with date-partitioned, time-sortable keys in AWS S3 or any S3-compatible store.',
  stability: 'beta',
  configSchema,
  batchDefaults: { batchSize: 1000 },
  create: (ctx) => new S3Exporter(ctx),
});
