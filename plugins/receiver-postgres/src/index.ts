import { defineReceiver } from '@ferry/sdk';
import { configSchema } from './config.js';
import { PostgresReceiver } from './receiver.js';

export default defineReceiver({
  type: 'postgres',
  description: 'Reads a PostgreSQL outbox (written with @ferry/outbox in the application\'s transactions) at least once: rows are removed only once the pipeline has durably accepted them; LISTEN/NOTIFY with polling as the fallback; several instances may read one outbox.',
  stability: 'alpha',
  configSchema,
  create: (ctx) => new PostgresReceiver(ctx),
});
