import { defineProcessor } from '@ferry/sdk';
import { configSchema } from './config.js';
import { Dedup } from './dedup.js';

export default defineProcessor({
  type: 'dedup',
  description: 'Drops events whose id was already seen within a window; memory bounded, state kept with the pipeline log.',
  stability: 'beta',
  configSchema,
  create: (ctx) => new Dedup(ctx),
});
