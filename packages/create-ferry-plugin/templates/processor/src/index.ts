import { defineProcessor } from '@ferry/sdk';
import { configSchema, validate } from './config.js';

/**
 * Runs on every batch a receiver hands in, before the events are stored: what it returns
 * is what every exporter gets. It never holds events back (batching is the host's, after
 * the durable log), and returns the events it keeps as the same objects, so each keeps the
 * text its source sent, byte for byte.
 */
export default defineProcessor({
  type: 'template_type',
  description: 'Drops the events of the listed types before they are stored.',
  stability: 'development',
  configSchema,
  validate,
  create(ctx) {
    const dropped = new Set(ctx.config.dropTypes);
    return {
      process: (events) => (dropped.size === 0 ? events : events.filter((event) => !dropped.has(event.type))),
    };
  },
});
