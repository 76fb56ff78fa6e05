import { defineExporter } from '@ferry/sdk';
import { configSchema } from './config.js';
import { DatadogExporter } from './exporter.js';
import { LIMITS } from './encode.js';

export default defineExporter({
  type: 'datadog',
  description: 'Sends events to the Datadog Logs API v2 with the seed mapping, gzip and the intake limits, for real-time alerting.',
  stability: 'beta',
  configSchema,
  batchDefaults: { batchSize: 100 },
  // The NDJSON of a batch grows when wrapped as entries; the exporter still splits requests at 5 MB.
  limits: { maxBatchSize: LIMITS.entries, maxBatchBytes: 4 * 1024 * 1024 },
  create: (ctx) => new DatadogExporter(ctx),
});
