import { defineReceiver } from '@ferry/sdk';
import { configSchema } from './config.js';
import { OtlpReceiver } from './receiver.js';

export default defineReceiver({
  type: 'otlp',
  description: 'Accepts OTLP/HTTP logs (protobuf or JSON, gzip) from applications and collectors and answers 200 only once the events are durably accepted; 400 for a malformed request, 503 with Retry-After when the pipeline is full.',
  stability: 'alpha',
  configSchema,
  create: (ctx) => new OtlpReceiver(ctx),
});
