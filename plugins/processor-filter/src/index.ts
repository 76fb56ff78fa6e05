import { defineProcessor } from '@ferry/sdk';
import { configSchema } from './config.js';
import { compileFilter } from './filter.js';
import { validateFilter } from './validate.js';

export default defineProcessor({
  type: 'filter',
  description: 'Keeps or drops events by event type globs and conditions on event fields.',
  stability: 'beta',
  configSchema,
  validate: validateFilter,
  create: ({ config }) => ({ process: compileFilter(config) }),
});
