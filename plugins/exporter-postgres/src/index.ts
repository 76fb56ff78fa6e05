import { defineExporter } from '@ferry/sdk';
import { configSchema } from './config.js';
import { PostgresExporter } from './exporter.js';

export default defineExporter({
  type: 'postgres',
  description: 'A transactional PostgreSQL audit sink: the required audit fields as columns, the whole event as jsonb, inserts idempotent by event id, daily partitions, and retention that drops a day only once the archive has delivered every event in it.',
  stability: 'alpha',
  configSchema,
  batchDefaults: { batchSize: 1000 },
  create: (ctx) => new PostgresExporter(ctx),
});
