import { defineExporter } from '@ferry/sdk';
import { configSchema, validateFile } from './config.js';
import { FileExporter } from './exporter.js';

export default defineExporter({
  type: 'file',
  description: 'Writes every batch as one NDJSON object (optionally gzip) to a local directory, with the same key layout as the s3 exporter.',
  stability: 'beta',
  configSchema,
  validate: validateFile,
  create: ({ config, logger }) => new FileExporter(config, logger),
});
