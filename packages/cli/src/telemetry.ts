import { TelemetryService, type Collector, type ResolvedConfig, type Telemetry } from '@ferry/host';
import type { Logger } from '@ferry/sdk';
import { version } from './version.js';

/** The telemetry server's part in `ferry run`, from before the collector is built until after it stops. */
export interface RunTelemetry {
  /** The Telemetry to build the collector with (undefined: the default, when the server is off). */
  readonly telemetry: Telemetry | undefined;
  /** Listens (before the collector starts, so /readyz says "starting"); rejects with a TelemetryAddressError. */
  listen(collector: Collector): Promise<void>;
  running(): void;
  stopping(): void;
  close(): Promise<void>;
}

/**
 * Sets up the telemetry server of `service.telemetry` (none when its address is null).
 * Where the page is, and why there is no server when the default address is taken, are
 * logged once at start.
 */
export function runTelemetry(config: ResolvedConfig, logger: Logger, scrub: (text: string) => string): RunTelemetry {
  const settings = config.service.telemetry;
  if (settings.address === null) return { telemetry: undefined, listen: async () => {}, running: () => {}, stopping: () => {}, close: async () => {} };
  const service = new TelemetryService({ config: settings, version, scrub });
  return {
    telemetry: service.telemetry(),
    async listen(collector) {
      service.attach(collector);
      const result = await service.listen();
      if ('skipped' in result) {
        logger.warn(`telemetry server not started: ${result.skipped}`);
        return;
      }
      const { address, port, family } = result.listening;
      const host = family === 'IPv6' ? `[${address}]` : address;
      logger.info(`telemetry on http://${host}:${port}: status page /, /metrics, /status, /readyz, /livez; ferry top, ferry tap`, { telemetry: `${host}:${port}` });
    },
    running: () => service.setPhase('running'),
    stopping: () => service.setPhase('stopping'),
    async close() {
      service.setPhase('stopped');
      await service.close();
    },
  };
}


