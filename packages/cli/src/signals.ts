import type { Logger } from '@ferry/sdk';
import type { Terminal } from '@ferry/host';
import { EXIT } from './exit-codes.js';

/** One Ctrl-C can arrive twice (from the terminal and from a wrapper such as pnpm): a repeat within this long is the same request. */
const SAME_SIGNAL_MS = 300;

/**
 * SIGTERM and SIGINT ask the collector to drain and stop (`onStop`); a second one exits at
 * once. SIGHUP asks it to reload its config (`onReload`).
 */
export function onSignals(logger: Logger, terminal: Terminal, handlers: { onStop: (signal: NodeJS.Signals) => void; onReload: () => void }): void {
  let firstAt: number | undefined;
  const stop = (signal: NodeJS.Signals) => {
    if (firstAt !== undefined && Date.now() - firstAt < SAME_SIGNAL_MS) return;
    if (firstAt !== undefined) {
      terminal.clearStatus();
      process.stderr.write(`ferry: ${signal} again, exiting now without waiting for deliveries\n`);
      process.exit(EXIT.interrupted);
    }
    firstAt = Date.now();
    logger.info(`${signal} received: stopping receivers and delivering what is in flight (send it again to exit at once)`);
    handlers.onStop(signal);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, stop);
  process.on('SIGHUP', () => {
    logger.info('SIGHUP received: reloading the config');
    handlers.onReload();
  });
}
