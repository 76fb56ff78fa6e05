import { defineExporter } from '@ferry/sdk';
import { configSchema } from './config.js';
import { DebugExporter } from './exporter.js';

export default defineExporter({
  type: 'debug',
  description: 'Prints events readably to the console (one line per batch, one per event, or in full), for trying pipelines out.',
  stability: 'beta',
  configSchema,
  create: ({ config, logger }) =>
    new DebugExporter(config, { stream: config.stream === 'stderr' ? process.stderr : process.stdout, env: process.env, logger }),
});
