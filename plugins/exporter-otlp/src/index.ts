import { defineExporter } from '@ferry/sdk';
import { configSchema } from './config.js';
import { OtlpExporter } from './exporter.js';

export default defineExporter({
  type: 'otlp',
  description: 'Sends each event as an OpenTelemetry log record (the README\'s mapping) over OTLP/HTTP, protobuf or JSON, written by the OpenTelemetry transformer, to any OpenTelemetry Collector or OTLP backend.',
  stability: 'alpha',
  configSchema,
  batchDefaults: { batchSize: 500 },
  create: (ctx) => new OtlpExporter(ctx),
});
