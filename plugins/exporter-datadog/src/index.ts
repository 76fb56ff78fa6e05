import { defineExporter } from '@ferry/sdk';
import { configSchema } from './config.js';
import { DatadogExporter } from './exporter.js';
import { LIMITS } from './encode.js';

export default defineExporter({
  type: 'datadog',
  description: 'Sends events to the Datadog Logs API v2 with the mapping of @grantex/destinations (ddsource, service, hostname, ddtags type:<event type>), gzip and the intake limits, for real-time alerting.',
  stability: 'beta',
  configSchema,
  batchDefaults: { batchSize: 100 },
  limits: {
    maxBatchSize: LIMITS.entries,
    // Batches are measured as NDJSON; as entries each line grows (wrapping fields, escaped
    // quotes), so 4 MB of lines stays under the 5 MB request limit in practice. The
    // exporter still cuts any request that would not.
    maxBatchBytes: 4_000_000,
  },
  create: (ctx) => new DatadogExporter(ctx),
});
