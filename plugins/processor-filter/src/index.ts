import { defineProcessor } from '@ferry/sdk';
import { configSchema } from './config.js';
import { compileFilter } from './filter.js';

export default defineProcessor({
  type: 'filter',
  description: 'Keeps or drops events by event type globs and conditions on event fields.',
  stability: 'beta',
  configSchema,
  create: ({ id, config }) => ({ process: compileFilter(config, `processors.${id}`) }),
});
