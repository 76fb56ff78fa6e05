import { defineExporter } from '@ferry/sdk';
import { configSchema } from './config.js';
import { HttpExporter } from './exporter.js';

export default defineExporter({
  type: 'http',
  description: 'POSTs batches as a JSON array or NDJSON to a SIEM or any webhook consumer, signed the way Grantex signs its webhooks (timestamp and HMAC-SHA256 over `<timestamp>.<body>`), with custom headers, bearer or basic auth, the batch id as idempotency key, and TLS options.',
  stability: 'beta',
  configSchema,
  batchDefaults: { batchSize: 500 },
  create: (ctx) => new HttpExporter(ctx),
});
