import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { loadConfig, type Collector, type LoadedConfig, type ReloadPlan, type SecretSet } from '@ferry/host';
import type { Logger } from '@ferry/sdk';
import { pluginSearchPath } from './plugins.js';

/** A burst of file events (an editor's save) becomes one reload after this quiet time. */
const WATCH_SETTLE_MS = 250;

function describePlan(plan: ReloadPlan): string {
  const parts: string[] = [];
  const list = (verb: string, kind: string, ids: readonly string[]) => {
    if (ids.length > 0) parts.push(`${verb} ${kind} ${ids.join(', ')}`);
  };
  list('added', 'receiver', plan.receivers.add);
  list('removed', 'receiver', plan.receivers.remove);
  list('restarted', 'receiver', plan.receivers.restart);
  list('added', 'exporter', plan.exporters.add);
  list('removed', 'exporter', plan.exporters.remove);
  list('restarted', 'exporter', plan.exporters.restart);
  list('added', 'pipeline', plan.pipelines.add);
  list('removed', 'pipeline', plan.pipelines.remove);
  list('rebuilt the processors of', 'pipeline', plan.pipelines.reprocess);
  return parts.length === 0 ? 'nothing changed' : parts.join('; ');
}

/**
 * Reloads the config on request (SIGHUP, or a change of the file with `--watch`): the new
 * config is loaded and validated first, and refused with every error while the old one
 * keeps running. Requests during a reload are folded into one more reload after it.
 */
export class ConfigReloader {
  readonly #file: string;
  readonly #collector: Collector;
  readonly #logger: Logger;
  readonly #secrets: SecretSet;
  readonly #onApplied: (loaded: LoadedConfig) => void;
  readonly #current: () => LoadedConfig['config'];
  #running: Promise<void> | undefined;
  #again = false;
  #watcher: FSWatcher | undefined;
  #settle: NodeJS.Timeout | undefined;

  constructor(options: { file: string; collector: Collector; logger: Logger; secrets: SecretSet; current: () => LoadedConfig['config']; onApplied: (loaded: LoadedConfig) => void }) {
    this.#current = options.current;
    this.#file = options.file;
    this.#collector = options.collector;
    this.#logger = options.logger;
    this.#secrets = options.secrets;
    this.#onApplied = options.onApplied;
  }

  /** Asks for a reload; resolves once the reloads this request led to are done. */
  request(): Promise<void> {
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #loop(): Promise<void> {
    do {
      this.#again = false;
      await this.#reloadOnce();
    } while (this.#again);
  }

  async #reloadOnce(): Promise<void> {
    let next: LoadedConfig;
    try {
      next = await loadConfig({ file: this.#file, discoverFrom: pluginSearchPath() });
    } catch (error) {
      // A ConfigInvalidError's message lists every problem with its path.
      this.#logger.error(`reload refused: the running config stays. ${(error as Error).message}`);
      return;
    }
    this.#secrets.add(next.secrets);
    for (const warning of next.warnings) this.#logger.warn(warning);
    // The logger, the progress line and the telemetry server are the run's own, made once at start.
    const startOnly = (c: LoadedConfig['config']) => {
      const { logs, progress, address, authToken, recoveryDurationMs } = c.service.telemetry;
      return JSON.stringify([logs, progress, address, authToken, recoveryDurationMs]);
    };
    const before = startOnly(this.#current());
    const report = await this.#collector.reload(next);
    if (!report.applied) {
      this.#logger.error(`reload refused; the running config stays: ${report.refused.join('; ')}`);
      return;
    }
    if (startOnly(next.config) !== before) this.#logger.warn('service.telemetry (logs, progress, the telemetry server) applies at the next start; the rest of the new config is applied');
    this.#onApplied(next);
    this.#logger.info(`config reloaded from ${this.#file}: ${report.plan === undefined ? 'nothing changed' : describePlan(report.plan)}`);
  }

  /** Reloads whenever the config file changes (watching its folder, since editors replace the file). */
  watch(): void {
    const name = basename(this.#file);
    this.#watcher = watch(dirname(this.#file), (_event, changed) => {
      if (changed !== null && changed !== name) return;
      clearTimeout(this.#settle);
      this.#settle = setTimeout(() => void this.request(), WATCH_SETTLE_MS);
    });
    this.#watcher.unref();
    this.#logger.info(`watching ${this.#file}: a saved change reloads it`);
  }

  close(): void {
    clearTimeout(this.#settle);
    this.#watcher?.close();
  }
}
