import { defineProcessor } from '@ferry/sdk';
import { configSchema } from './config.js';
import { IntegrityChain } from './chain.js';

export default defineProcessor({
  type: 'integrity',
  description: 'Numbers each event in a hash chain per writer and seals them in blocks by a hash over their stored bytes (SHA-256, or HMAC-SHA256 with a secret) that ferry verify checks.',
  stability: 'beta',
  configSchema,
  create: (ctx) => new IntegrityChain(ctx),
});

export type { ChainHead, ChainState } from './chain.js';
export type { IntegrityConfig } from './config.js';
