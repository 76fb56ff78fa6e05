import { defineReceiver } from '@ferry/sdk';
import { configSchema } from './config.js';
import { WebhookReceiver } from './receiver.js';

export default defineReceiver({
  type: 'webhook',
  description: 'Receives signed Grantex webhook deliveries (or generic JSON/NDJSON posts) and answers 2xx only once they are durably accepted.',
  stability: 'beta',
  configSchema,
  create: (ctx) => new WebhookReceiver(ctx),
});
