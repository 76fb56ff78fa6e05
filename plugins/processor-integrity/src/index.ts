import { defineProcessor } from '@ferry/sdk';
import { configSchema } from './config.js';
import { IntegrityChain } from './chain.js';

export default defineProcessor({
  type: 'integrity',
  description: 'Links each event to the one before it in a hash chain per writer (SHA-256, or HMAC-SHA256 with a secret) that ferry verify checks.',
  stability: 'beta',
  configSchema,
  create: (ctx) => new IntegrityChain(ctx),
});

export type { ChainHead, ChainState } from './chain.js';
export type { IntegrityConfig } from './config.js';
