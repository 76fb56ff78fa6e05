import { Collector, ConfigInvalidError, createLogger, loadConfig, Terminal, type ShutdownReport } from '@ferry/host';
import { EXIT } from '../exit-codes.js';
import { reportFailure } from '../output.js';
import { pluginSearchPath } from '../plugins.js';
import { startProgress } from '../progress.js';

export interface RunOptions {
  readonly config: string;
}

/** Extra time, past the drain deadline, for exporters and logs to close before we give up on them. */
const CLOSE_GRACE_MS = 5_000;
const SAME_SIGNAL_MS = 300;

/**
 * `ferry run`: starts the collector and keeps it running until SIGTERM or SIGINT, which
 * drain it (a second signal exits at once). Resolves with the exit status.
 */
export async function run(options: RunOptions): Promise<number> {
  let loaded;
  try {
    loaded = await loadConfig({ file: options.config, discoverFrom: pluginSearchPath() });
  } catch (error) {
    return reportFailure(error instanceof ConfigInvalidError ? error : error);
  }
  const terminal = new Terminal();
  const { telemetry } = loaded.config.service;
  const logger = createLogger({ level: telemetry.logs.level, format: telemetry.logs.format, terminal, secrets: loaded.secrets });
  for (const warning of loaded.warnings) logger.warn(warning);

  process.on('unhandledRejection', (reason) => {
    logger.error('unhandled rejection in a component (continuing)', { error: reason instanceof Error ? reason.stack : String(reason) });
  });

  let collector: Collector;
  try {
    collector = new Collector({ loaded, logger });
  } catch (error) {
    return reportFailure(error);
  }

  let stopReason: string | undefined;
  let stopped!: (reason: string) => void;
  const stopRequested = new Promise<string>((resolve) => {
    stopped = (reason) => {
      stopReason ??= reason;
      resolve(stopReason);
    };
  });
  let firstSignalAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    // One Ctrl-C can arrive twice (from the terminal and from a wrapper such as pnpm): a
    // repeat within a moment is the same request.
    if (firstSignalAt !== undefined && Date.now() - firstSignalAt < SAME_SIGNAL_MS) return;
    if (firstSignalAt !== undefined) {
      terminal.clearStatus();
      process.stderr.write(`ferry: ${signal} again, exiting now without waiting for deliveries\n`);
      process.exit(EXIT.interrupted);
    }
    firstSignalAt = Date.now();
    logger.info(`${signal} received: stopping receivers and delivering what is in flight (send it again to exit at once)`);
    stopped(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  let fatal: Error | undefined;
  collector.on('fatal', (error) => {
    fatal = error;
    stopped('fatal');
  });

  try {
    await collector.start();
  } catch (error) {
    return reportFailure(error);
  }
  const stopProgress = startProgress(collector, terminal, logger, telemetry.progress);
  await stopRequested;

  const hardStop = setTimeout(() => {
    terminal.clearStatus();
    process.stderr.write(`ferry: components did not close within ${loaded.config.service.shutdownTimeoutMs + CLOSE_GRACE_MS} ms of the stop request; exiting\n`);
    process.exit(EXIT.failure);
  }, loaded.config.service.shutdownTimeoutMs + CLOSE_GRACE_MS);
  hardStop.unref();
  const report = await collector.shutdown();
  clearTimeout(hardStop);
  stopProgress();
  if (fatal !== undefined) {
    process.stderr.write(`ferry: ${fatal.message}\n`);
    return EXIT.failure;
  }
  return exitStatusOf(report);
}

function exitStatusOf(report: ShutdownReport): number {
  if (report.undelivered.length === 0 || report.durable) return EXIT.ok;
  for (const u of report.undelivered) {
    process.stderr.write(`ferry: ${u.events} events were not delivered to exporter "${u.exporter}" (pipeline "${u.pipeline}") and are lost: no storage is configured\n`);
  }
  return EXIT.failure;
}
