import { defineReceiver } from '@ferry/sdk';
import { configSchema } from './config.js';
import { GrantexReceiver } from './receiver.js';

export default defineReceiver({
  type: 'grantex',
  description: 'Receives the Grantex SSE event stream, reconnecting with backoff and pushing back when the pipeline is full.',
  stability: 'beta',
  configSchema,
  create: (ctx) => new GrantexReceiver(ctx),
});
