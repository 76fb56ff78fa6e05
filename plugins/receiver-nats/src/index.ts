import { defineReceiver } from '@ferry/sdk';
import { configSchema } from './config.js';
import { NatsReceiver } from './receiver.js';

export default defineReceiver({
  type: 'nats',
  description: 'Reads a NATS JetStream durable pull consumer: fetches in batches, acknowledges each message only once the pipeline has durably accepted its event, dead-letters and terminates what is not an event; several instances share one consumer.',
  stability: 'alpha',
  configSchema,
  create: (ctx) => new NatsReceiver(ctx),
});
