import { defineExporter } from '@ferry/sdk';
import { configSchema, validateS3 } from './config.js';
import { S3Exporter } from './exporter.js';

export default defineExporter({
  type: 's3',
  description: 'Archives events as NDJSON objects with date-partitioned, time-sortable keys in AWS S3 or any S3-compatible store.',
  stability: 'beta',
  configSchema,
  validate: validateS3,
  batchDefaults: { batchSize: 1000 },
  // A single PutObject takes up to 5 GiB, but the object is built in memory from one string
  // (V8 caps strings near 512 MiB) and gzipped whole: 256 MiB keeps that safe.
  limits: { maxBatchBytes: 256 * 1024 * 1024 },
  create: (ctx) => new S3Exporter(ctx),
});
