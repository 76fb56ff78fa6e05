import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Meter } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { ObservedCollector } from '../collector/observe.js';
import { lagSeconds } from '../delivery/lag.js';
import { EXPORTER_ACCEPTED, EXPORTER_READ_FROM_DISK, GAUGES } from './catalogue.js';

export interface PrometheusMetrics {
  /** The meter every Ferry instrument is created on (pass it to `Telemetry`). */
  readonly meter: Meter;
  /** Answers a scrape with the Prometheus text format. */
  handle(request: IncomingMessage, response: ServerResponse): void;
  shutdown(): Promise<void>;
}

/**
 * Ferry's figures for Prometheus, through the OpenTelemetry metrics SDK and its Prometheus
 * exporter (no second metrics library). Counters are recorded as things happen; queue,
 * lag and log gauges are observed at each scrape from the running collector, so a gauge
 * always shows the value now — a persistent queue never makes it stand still.
 */
export function prometheusMetrics(observe: () => ObservedCollector | undefined): PrometheusMetrics {
  // Ferry serves the handler from its own server; scope and target labels would only repeat "ferry" on every series.
  const exporter = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true, withoutTargetInfo: true });
  const provider = new MeterProvider({ readers: [exporter] });
  const meter = provider.getMeter('ferry');
  const gauge = (entry: { instrument: string; help: string }, unit: string) => meter.createObservableGauge(entry.instrument, { description: entry.help, unit });
  const g = {
    queueSize: gauge(GAUGES.queueSize, '{event}'),
    queueBytes: gauge(GAUGES.queueBytes, 'By'),
    queueCapacity: gauge(GAUGES.queueCapacity, '{event}'),
    queueCapacityBytes: gauge(GAUGES.queueCapacityBytes, 'By'),
    inFlight: gauge(GAUGES.inFlight, '{event}'),
    lag: gauge(GAUGES.lag, 's'),
    resumed: gauge(GAUGES.resumed, '{event}'),
    logBytes: gauge(GAUGES.logBytes, 'By'),
    logCapacity: gauge(GAUGES.logCapacity, 'By'),
  };
  const accepted = meter.createObservableCounter(EXPORTER_ACCEPTED.instrument, { description: EXPORTER_ACCEPTED.help, unit: '{event}' });
  const readFromDisk = meter.createObservableCounter(EXPORTER_READ_FROM_DISK.instrument, { description: EXPORTER_READ_FROM_DISK.help, unit: '{event}' });
  meter.addBatchObservableCallback(
    (result) => {
      const observed = observe();
      if (observed === undefined) return;
      const now = Date.now();
      for (const e of observed.exporters) {
        const labels = { exporter: e.exporter, pipeline: e.pipeline };
        result.observe(g.queueSize, e.queued, labels);
        result.observe(g.queueBytes, e.queuedBytes, labels);
        if (e.capacity.events !== undefined) result.observe(g.queueCapacity, e.capacity.events, labels);
        result.observe(g.queueCapacityBytes, e.capacity.bytes, labels);
        result.observe(g.inFlight, e.inFlight, labels);
        result.observe(g.lag, lagSeconds(e.oldestPending, now), labels);
        result.observe(g.resumed, e.resumed, labels);
        result.observe(accepted, e.accepted, labels);
        result.observe(readFromDisk, e.readFromDisk, labels);
      }
      for (const p of observed.pipelines) {
        if (p.log === undefined) continue;
        result.observe(g.logBytes, p.log.retainedBytes, { pipeline: p.name });
        result.observe(g.logCapacity, p.log.capacityBytes, { pipeline: p.name });
      }
    },
    [...Object.values(g), accepted, readFromDisk] as Parameters<Meter['addBatchObservableCallback']>[1],
  );
  return {
    meter,
    handle: (request, response) => exporter.getMetricsRequestHandler(request, response),
    shutdown: () => provider.shutdown(),
  };
}

