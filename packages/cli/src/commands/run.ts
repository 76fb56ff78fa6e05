import { Collector, createLogger, loadConfig, SecretSet, Terminal, type ShutdownReport } from '@ferry/host';
import { schemaCacheProblem } from '@ferry/sdk';
import { EXIT } from '../exit-codes.js';
import { reportFailure } from '../output.js';
import { pluginSearchPath } from '../plugins.js';
import { startProgress } from '../progress.js';
import { onSignals } from '../signals.js';
import { ConfigReloader } from '../reloader.js';
import { hadStoredData, startingReport } from '../starting.js';
import { closingSummary } from '../summary.js';
import { runTelemetry } from '../telemetry.js';
import { useSchemaCache } from '../schema-cache.js';

export interface RunOptions {
  readonly config: string;
  /** Reload the config whenever its file changes. */
  readonly watch?: boolean;
}

/** Extra time, past the drain deadline, for exporters and logs to close before we give up on them. */
const CLOSE_GRACE_MS = 5_000;

/**
 * `ferry run`: starts the collector and keeps it running until SIGTERM or SIGINT, which
 * drain it (a second signal exits at once); SIGHUP (and, with `--watch`, a change of the
 * file) reloads the config. Resolves with the exit status.
 */
export async function run(options: RunOptions): Promise<number> {
  let loaded;
  try {
    useSchemaCache();
    loaded = await loadConfig({ file: options.config, discoverFrom: pluginSearchPath() });
  } catch (error) {
    return reportFailure(error);
  }
  let { config } = loaded;
  const terminal = new Terminal();
  const { telemetry } = config.service;
  const secrets = new SecretSet(loaded.secrets);
  const logger = createLogger({ level: telemetry.logs.level, format: telemetry.logs.format, terminal, secrets });
  const readable = telemetry.logs.format === 'pretty' || (telemetry.logs.format === 'auto' && terminal.isTTY);
  // A person reads the start and stop reports as their text; a log collector also gets their figures as fields.
  const report = (line: { text: string; fields: Record<string, unknown> }) => (readable ? logger.info(line.text) : logger.info(line.text, line.fields));
  for (const warning of loaded.warnings) logger.warn(warning);
  const cacheProblem = schemaCacheProblem();
  if (cacheProblem !== undefined) {
    logger.info(`compiled config validators are not kept between starts (${cacheProblem}): every start compiles them again (about 0.2 s more); set FERRY_CACHE_DIR to a directory only this user can write, or FERRY_CACHE_DIR=off`);
  }

  process.on('unhandledRejection', (reason) => {
    logger.error('unhandled rejection in a component (continuing)', { error: reason instanceof Error ? reason.stack : String(reason) });
  });

  const operations = runTelemetry(config, logger, (text) => secrets.scrub(text));
  let collector: Collector;
  try {
    collector = new Collector({ loaded, logger, ...(operations.telemetry === undefined ? {} : { telemetry: operations.telemetry }) });
  } catch (error) {
    return reportFailure(error);
  }

  let stopped!: () => void;
  const stopRequested = new Promise<void>((resolve) => {
    stopped = resolve;
  });
  const reloader = new ConfigReloader({
    file: loaded.source,
    collector,
    logger,
    secrets,
    current: () => config,
    onApplied: (next) => {
      config = next.config;
    },
  });
  onSignals(logger, terminal, { onStop: () => stopped(), onReload: () => void reloader.request() });
  let fatal: Error | undefined;
  collector.on('fatal', (error) => {
    fatal = error;
    stopped();
  });

  const resumed = config.storage !== undefined && (await hadStoredData(config.storage.directory));
  try {
    // Listening first: while the collector starts, /livez answers and /readyz says "starting".
    await operations.listen(collector);
    await collector.start();
  } catch (error) {
    await operations.close();
    return reportFailure(error);
  }
  operations.running();
  report(startingReport(config, resumed, collector.snapshot().exporters));
  const stopProgress = startProgress(collector, terminal, logger, telemetry.progress);
  if (options.watch === true) reloader.watch();
  await stopRequested;
  reloader.close();
  operations.stopping();

  const hardStop = setTimeout(() => {
    terminal.clearStatus();
    process.stderr.write(`ferry: components did not close within ${config.service.shutdownTimeoutMs + CLOSE_GRACE_MS} ms of the stop request; exiting\n`);
    process.exit(EXIT.failure);
  }, config.service.shutdownTimeoutMs + CLOSE_GRACE_MS);
  hardStop.unref();
  const shutdown = await collector.shutdown();
  await operations.close();
  clearTimeout(hardStop);
  stopProgress();
  report(closingSummary(collector.snapshot().exporters, config));
  if (fatal !== undefined) {
    process.stderr.write(`ferry: ${fatal.message}\n`);
    return EXIT.failure;
  }
  return exitStatusOf(shutdown);
}

function exitStatusOf(report: ShutdownReport): number {
  if (report.undelivered.length === 0 || report.durable) return EXIT.ok;
  for (const u of report.undelivered) {
    process.stderr.write(`ferry: ${u.events} events were not delivered to exporter "${u.exporter}" (pipeline "${u.pipeline}") and are lost: no storage is configured\n`);
  }
  return EXIT.failure;
}
