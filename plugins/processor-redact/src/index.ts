import { defineProcessor } from '@ferry/sdk';
import { configSchema } from './config.js';
import { Redactor } from './redact.js';
import { validateRedact } from './validate.js';

export default defineProcessor({
  type: 'redact',
  description: 'Removes fields or replaces them with a keyed hash (HMAC-SHA256), by field path per event type, for GDPR; list it before integrity.',
  stability: 'beta',
  configSchema,
  validate: validateRedact,
  create: (ctx) => new Redactor(ctx),
});

export type { RedactConfig } from './config.js';
