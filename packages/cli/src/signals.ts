import type { Logger } from '@ferry/sdk';
import type { Terminal } from '@ferry/host';
import { EXIT } from './exit-codes.js';

/** One Ctrl-C can arrive twice (from the terminal and from a wrapper such as pnpm): a repeat within this long is the same request. */
const SAME_SIGNAL_MS = 300;

/**
 * SIGTERM, SIGINT and SIGHUP ask the collector to drain and stop (`onStop`); a second one
 * exits at once. SIGHUP conventionally means "reload": until Ferry can reload its config,
 * it drains like SIGTERM rather than dying on the spot and leaving its storage lock behind.
 */
export function onStopSignals(logger: Logger, terminal: Terminal, onStop: (signal: NodeJS.Signals) => void): void {
  let firstAt: number | undefined;
  const handle = (signal: NodeJS.Signals) => {
    if (firstAt !== undefined && Date.now() - firstAt < SAME_SIGNAL_MS) return;
    if (firstAt !== undefined) {
      terminal.clearStatus();
      process.stderr.write(`ferry: ${signal} again, exiting now without waiting for deliveries\n`);
      process.exit(EXIT.interrupted);
    }
    firstAt = Date.now();
    const why = signal === 'SIGHUP' ? ' (Ferry cannot reload its config yet: start it again to apply a new one)' : '';
    logger.info(`${signal} received: stopping receivers and delivering what is in flight${why} (send it again to exit at once)`);
    onStop(signal);
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, handle);
}
