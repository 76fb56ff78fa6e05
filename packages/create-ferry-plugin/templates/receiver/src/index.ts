import type { Server } from 'node:http';
import { ConfigError, defineReceiver } from '@ferry/sdk';
import { configSchema, validate } from './config.js';
import { close, listen } from './server.js';

/**
 * Takes events from outside and hands them to `ctx.next`, acknowledging its source only
 * once they are accepted. `create` does no I/O; `start` listens and returns at once.
 */
export default defineReceiver({
  type: 'template_type',
  description: 'Takes events POSTed as NDJSON over HTTP, answering 200 only once they are on disk.',
  stability: 'development',
  configSchema,
  validate,
  create(ctx) {
    let server: Server | undefined;
    return {
      async start() {
        try {
          const listening = await listen(ctx);
          server = listening.server;
          ctx.logger.info('listening for events', { url: listening.url });
        } catch (error) {
          // A port in use or an address not of this machine: the config must change (Ferry stops, naming it).
          throw new ConfigError(`cannot listen on ${ctx.config.host}:${ctx.config.port} (receivers.${ctx.id}.port): ${(error as Error).message}`, { cause: error });
        }
      },
      async shutdown() {
        if (server !== undefined) await close(server);
      },
    };
  },
});
