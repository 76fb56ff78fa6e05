import { defineExporter } from '@ferry/sdk';
import { configSchema } from './config.js';
import { SplunkHecExporter } from './exporter.js';

export default defineExporter({
  type: 'splunk_hec',
  description: 'Sends events to Splunk\'s HTTP Event Collector with the options of @grantex/destinations\' Splunk destination (hecUrl, hecToken, index, source, sourcetype), `time` from createdAt, gzip, HEC error codes classified, and indexer acknowledgement (useAck) so that delivered means indexed.',
  stability: 'beta',
  configSchema,
  batchDefaults: { batchSize: 100 },
  create: (ctx) => new SplunkHecExporter(ctx),
});
