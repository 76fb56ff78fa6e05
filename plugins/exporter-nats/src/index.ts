import { defineExporter } from '@ferry/sdk';
import { configSchema } from './config.js';
import { NatsExporter } from './exporter.js';

export default defineExporter({
  type: 'nats',
  description: 'Publishes each event to NATS JetStream on a subject made from its type, with Nats-Msg-Id = the event id so a re-sent event is absorbed; delivered only on its PubAck; creates or checks the stream at start.',
  stability: 'alpha',
  configSchema,
  // The edge of a tiered deployment forwards at once: small waits, JetStream batches nothing.
  batchDefaults: { batchSize: 1000, flushIntervalMs: 50 },
  create: (ctx) => new NatsExporter(ctx),
});
