import type { ComponentKind } from '@ferry/sdk';

/**
 * Every metric `/metrics` serves, in one place: the instruments are created from these
 * entries and the README's metrics table is generated from them (`pnpm run docs`), so the
 * two cannot drift apart. Names follow the OpenTelemetry Collector's own
 * (`otelcol_exporter_sent_log_records` → `ferry_exporter_sent_events_total`); the
 * Prometheus exporter turns dots into underscores and gives counters `_total`.
 */
export interface MetricEntry {
  /** The name as Prometheus shows it. */
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly labels: readonly string[];
  readonly help: string;
}

export type HostCounter = 'accepted' | 'refused' | 'filtered' | 'sent' | 'failed' | 'retried' | 'lost';

interface CounterEntry {
  /** The OpenTelemetry instrument name for a component of this kind. */
  readonly instrument: (kind: ComponentKind) => string;
  readonly help: string;
}

const named = (suffix: string) => (kind: ComponentKind) => `ferry.${kind}.${suffix}`;

/** The counts the host keeps for components (`ComponentRecorder.add`). */
export const HOST_COUNTERS: Record<HostCounter, CounterEntry> = {
  accepted: { instrument: named('accepted_events'), help: 'Events a receiver handed to its pipelines and that were accepted (durably when persistence is on); only these are acknowledged upstream.' },
  refused: { instrument: named('refused_events'), help: 'Events a receiver handed in that were refused (backpressure or shutdown) and not acknowledged.' },
  filtered: { instrument: named('filtered_events'), help: 'Events a processor dropped on purpose (filtered out, duplicates).' },
  sent: { instrument: named('sent_events'), help: 'Events an exporter delivered.' },
  failed: { instrument: named('dead_lettered_events'), help: 'Events an exporter dead-lettered (refused for good, or retries exhausted): kept with the reason, replayable.' },
  retried: { instrument: named('retried_events'), help: 'Events in export attempts that failed and were retried (an event retried twice counts twice).' },
  lost: { instrument: named('lost_events'), help: 'Events an exporter passed because damage in the durable log destroyed them (each range logged with where the damage is).' },
};

export const FAILED_ATTEMPTS = { instrument: 'ferry.exporter.failed_attempts', help: 'Export attempts (requests) that did not deliver every event of their batch: errors, timeouts, refusals.' } as const;

export const REQUEST_DURATION = {
  instrument: 'ferry.exporter.request_duration_seconds',
  help: 'How long each export attempt took, by outcome (ok: every event delivered; failed: otherwise).',
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
} as const;

export const DAMAGED_RECORDS = { instrument: 'ferry.log.damaged_records', help: 'Damaged stretches found in a pipeline log (each counted once); the events they held are counted per exporter as lost.' } as const;

/** Gauges read when scraped (observable instruments): they always show the value now. */
export const GAUGES = {
  queueSize: { instrument: 'ferry.exporter.queue_size', labels: ['exporter', 'pipeline'], help: 'Events not yet finished by the exporter: waiting, being sent or retrying (the books\' queued term).' },
  queueBytes: { instrument: 'ferry.exporter.queue_size_bytes', labels: ['exporter', 'pipeline'], help: 'Bytes of those events (NDJSON; estimated from the average event size for events read back from disk).' },
  queueCapacity: { instrument: 'ferry.exporter.queue_capacity', labels: ['exporter', 'pipeline'], help: 'The exporter\'s queue.maxEvents, when set.' },
  queueCapacityBytes: { instrument: 'ferry.exporter.queue_capacity_bytes', labels: ['exporter', 'pipeline'], help: 'The exporter\'s queue.maxBytes, else the pipeline log\'s bound (storage.maxBytes, or the in-memory bound).' },
  inFlight: { instrument: 'ferry.exporter.in_flight_events', labels: ['exporter', 'pipeline'], help: 'Of the queued events, those in batches being sent or waiting to be retried.' },
  lag: {
    instrument: 'ferry.exporter.lag_seconds',
    labels: ['exporter', 'pipeline'],
    help: 'Age of the oldest event the exporter has not finished (0 when none): the figure to alert on. See the README for when it is an estimate.',
  },
  resumed: { instrument: 'ferry.exporter.resumed_events', labels: ['exporter', 'pipeline'], help: 'Events queued for the exporter when this run began (from an earlier run, with storage): the books\' resumed term.' },
  logBytes: { instrument: 'ferry.log.retained_bytes', labels: ['pipeline'], help: 'Bytes the pipeline\'s log keeps (on disk with storage, in memory without) until every exporter is done with them.' },
  logCapacity: { instrument: 'ferry.log.capacity_bytes', labels: ['pipeline'], help: 'The bound of the pipeline\'s log (storage.maxBytes, or the in-memory bound); at it, receivers are pushed back.' },
} as const;

/** Per exporter, events read back from the log's files rather than its in-memory cache (an observable counter). */
export const EXPORTER_READ_FROM_DISK = {
  instrument: 'ferry.exporter.read_from_disk_events',
  help: 'Events the exporter read back from the pipeline log\'s files because they were no longer in memory: a backlog after a restart or an outage, or, while it keeps up, a `storage.cacheBytes` too small for its batches in flight. Always 0 without storage.',
} as const;

/** Per exporter, events its pipeline accepted since this run began: the books' accepted term (an observable counter). */
export const EXPORTER_ACCEPTED = { instrument: 'ferry.exporter.accepted_events', help: 'Events accepted into the exporter\'s pipeline since this run began, each to be delivered to it: the books\' accepted term.' } as const;

const prometheus = (instrument: string) => instrument.replace(/\./g, '_');

/** Every metric, as the README documents it. */
export function metricCatalogue(): MetricEntry[] {
  const counter = (instrument: string, labels: readonly string[], help: string): MetricEntry => ({ name: `${prometheus(instrument)}_total`, type: 'counter', labels, help });
  return [
    counter(HOST_COUNTERS.accepted.instrument('receiver'), ['receiver'], HOST_COUNTERS.accepted.help),
    counter(HOST_COUNTERS.refused.instrument('receiver'), ['receiver'], HOST_COUNTERS.refused.help),
    counter('ferry.receiver.<name>', ['receiver'], 'What a receiver counts itself: `malformed`, `reconnects`, `refused_signature`, … (see its README).'),
    counter(HOST_COUNTERS.filtered.instrument('processor'), ['processor', 'pipeline'], HOST_COUNTERS.filtered.help),
    counter(EXPORTER_ACCEPTED.instrument, ['exporter', 'pipeline'], EXPORTER_ACCEPTED.help),
    counter(HOST_COUNTERS.sent.instrument('exporter'), ['exporter', 'pipeline'], HOST_COUNTERS.sent.help),
    counter(HOST_COUNTERS.failed.instrument('exporter'), ['exporter', 'pipeline'], HOST_COUNTERS.failed.help),
    counter(HOST_COUNTERS.lost.instrument('exporter'), ['exporter', 'pipeline'], HOST_COUNTERS.lost.help),
    counter(HOST_COUNTERS.retried.instrument('exporter'), ['exporter', 'pipeline'], HOST_COUNTERS.retried.help),
    counter(EXPORTER_READ_FROM_DISK.instrument, ['exporter', 'pipeline'], EXPORTER_READ_FROM_DISK.help),
    counter(FAILED_ATTEMPTS.instrument, ['exporter', 'pipeline'], FAILED_ATTEMPTS.help),
    { name: prometheus(REQUEST_DURATION.instrument), type: 'histogram', labels: ['exporter', 'pipeline', 'outcome'], help: `${REQUEST_DURATION.help} Buckets (s): ${REQUEST_DURATION.buckets.join(', ')}.` },
    ...Object.values(GAUGES).map((g): MetricEntry => ({ name: prometheus(g.instrument), type: 'gauge', labels: g.labels, help: g.help })),
    counter(DAMAGED_RECORDS.instrument, ['pipeline'], DAMAGED_RECORDS.help),
  ];
}
