import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ObservedCollector, ObservedPipeline } from '../collector/observe.js';
import { DEFAULT_TELEMETRY_ADDRESS } from '../config/host-schema.js';
import type { TelemetryConfig } from '../config/types.js';
import { StatusBoard, type Phase, type PipelineShape } from '../status/board.js';
import { figures, type Figures } from './figures.js';
import { Telemetry } from './metrics.js';
import { prometheusMetrics, type PrometheusMetrics } from './prometheus.js';
import { TelemetryServer, type TelemetryContent } from './server/server.js';
import { TelemetryAddressError } from './server/errors.js';
import { TapHub, type TapTarget } from './tap.js';

/** What the telemetry service reads of the collector. */
export interface ObservableCollector {
  readonly telemetry: Telemetry;
  observe(): ObservedCollector;
}

export interface TelemetryServiceOptions {
  readonly config: Pick<TelemetryConfig, 'address' | 'authToken' | 'recoveryDurationMs'>;
  /** Ferry's version, shown on the page and by `ferry top`. */
  readonly version: string;
  /** Removes secret values from anything served. */
  readonly scrub: (text: string) => string;
}

/** Where the server listens, or why it does not. */
export type ListenResult = { readonly listening: AddressInfo } | { readonly skipped: string };

function problemOf(pipeline: ObservedPipeline, exporters: ObservedCollector['exporters']): string | undefined {
  if (pipeline.log?.blocked !== undefined) return pipeline.log.blocked;
  if (pipeline.log?.full === true) return `its log is at its bound (${pipeline.log.capacityBytes} bytes) until the slowest exporter catches up`;
  const full = exporters.find((e) => e.pipeline === pipeline.name && e.blocking);
  return full === undefined ? undefined : `exporter "${full.exporter}" has a full queue set to block (queue.whenFull)`;
}

/**
 * Ferry's operational telemetry in one place: the Prometheus view of the counters, the
 * status board, event taps, and the HTTP server that serves them. Created before the
 * collector (whose `Telemetry` it provides), attached to it, listening before it starts
 * (so readiness says "starting") and closed after it stops (so it says "stopping").
 */
export class TelemetryService {
  readonly board: StatusBoard;
  readonly taps = new TapHub();
  readonly #o: TelemetryServiceOptions;
  readonly #metrics: PrometheusMetrics;
  readonly #startedAt = Date.now();
  #collector: ObservableCollector | undefined;
  #server: TelemetryServer | undefined;

  constructor(options: TelemetryServiceOptions) {
    this.#o = options;
    this.board = new StatusBoard({ recoveryDurationMs: options.config.recoveryDurationMs });
    this.#metrics = prometheusMetrics(() => this.#collector?.observe());
  }

  /** The `Telemetry` to build the collector with: counts on the Prometheus meter, and tells the board and taps. */
  telemetry(): Telemetry {
    return new Telemetry(this.#metrics.meter, { observer: this.board, taps: this.taps });
  }

  attach(collector: ObservableCollector): void {
    this.#collector = collector;
  }

  setPhase(phase: Phase): void {
    this.board.setPhase(phase);
  }

  /**
   * Starts the server where the config says. A configured address that cannot be used
   * rejects (TelemetryAddressError); the default one only skips, since a second Ferry on
   * one machine must still run.
   */
  async listen(): Promise<ListenResult> {
    const { address, authToken } = this.#o.config;
    if (address === null) return { skipped: 'service.telemetry.address is null' };
    const server = new TelemetryServer({ address: address ?? DEFAULT_TELEMETRY_ADDRESS, authToken, content: this.#content() });
    try {
      const listening = await server.listen();
      this.#server = server;
      return { listening };
    } catch (error) {
      if (address === undefined && error instanceof TelemetryAddressError) return { skipped: error.message };
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.#server?.close();
    await this.#metrics.shutdown();
  }

  #shapes(observed: ObservedCollector | undefined): PipelineShape[] {
    if (observed === undefined) return [];
    return observed.pipelines.map((p) => {
      const problem = problemOf(p, observed.exporters);
      return { name: p.name, receivers: p.receivers, processors: p.processors, exporters: p.exporters, ...(problem === undefined ? {} : { problem }) };
    });
  }

  figures(): Figures | undefined {
    const collector = this.#collector;
    if (collector === undefined) return undefined;
    const observed = collector.observe();
    const status = this.board.tree(this.#shapes(observed));
    return figures({ version: this.#o.version, startedAt: this.#startedAt, now: Date.now(), status, views: collector.telemetry.views(), observed });
  }

  #content(): TelemetryContent {
    return {
      readiness: () => this.board.readiness(this.#shapes(this.#collector?.observe())),
      status: () => {
        const tree = this.board.tree(this.#shapes(this.#collector?.observe()));
        return { healthy: tree.healthy, body: { startTime: new Date(this.#startedAt).toISOString(), ...tree } };
      },
      figures: () => this.figures() ?? { version: this.#o.version, startedAt: new Date(this.#startedAt).toISOString(), status: this.board.tree([]), pipelines: [], components: [] },
      metrics: (request: IncomingMessage, response: ServerResponse) => this.#metrics.handle(request, response),
      tapTarget: (component) => this.#tapTarget(component),
      tap: (target, options) => this.taps.subscribe(target, options),
      scrub: this.#o.scrub,
    };
  }

  /** `exporter:file`, `receiver:grantex`, `processor:redact`, or the bare id when only one component has it. */
  #tapTarget(component: string): TapTarget | { error: string } {
    const pipelines = this.#collector?.observe().pipelines ?? [];
    const match = /^(receiver|processor|exporter):(.+)$/.exec(component);
    const wanted = match === null ? component : (match[2] as string);
    const candidates: TapTarget[] = [];
    const kinds = match === null ? ['receiver', 'processor', 'exporter'] : [match[1]];
    if (kinds.includes('receiver') && pipelines.some((p) => p.receivers.includes(wanted))) candidates.push({ kind: 'receiver', id: wanted });
    const withProcessor = pipelines.filter((p) => p.processors.includes(wanted)).map((p) => p.name);
    if (kinds.includes('processor') && withProcessor.length > 0) candidates.push({ kind: 'pipelines', id: wanted, pipelines: withProcessor });
    if (kinds.includes('exporter') && pipelines.some((p) => p.exporters.includes(wanted))) candidates.push({ kind: 'exporter', id: wanted });
    if (candidates.length === 1) return candidates[0] as TapTarget;
    if (candidates.length > 1) return { error: `"${wanted}" names ${candidates.length} components: say which, as ${candidates.map((c) => `${c.kind === 'pipelines' ? 'processor' : c.kind}:${wanted}`).join(' or ')}` };
    const known = pipelines.flatMap((p) => [...p.receivers.map((id) => `receiver:${id}`), ...p.processors.map((id) => `processor:${id}`), ...p.exporters.map((id) => `exporter:${id}`)]);
    return { error: `no running component "${component}"; running: ${[...new Set(known)].join(', ') || 'none'}` };
  }
}
