import { metrics, type Attributes, type Counter, type Histogram, type Meter } from '@opentelemetry/api';
import type { ComponentKind, ComponentTelemetry } from '@ferry/sdk';
import { HOST_COUNTERS, REQUEST_DURATION, FAILED_ATTEMPTS, type HostCounter } from './catalogue.js';
import type { TapHub } from './tap.js';

/** What the host counts for each component; the same figures go to OpenTelemetry. */
export interface ComponentCounts {
  accepted: number;
  refused: number;
  filtered: number;
  sent: number;
  failed: number;
  retried: number;
  lost: number;
  /** Export attempts that did not deliver every event of their batch. */
  failedAttempts: number;
  /** Anything the component counted itself (`malformed`, `reconnects`, …). */
  readonly custom: Map<string, number>;
}

export interface CountsView {
  readonly kind: ComponentKind;
  readonly id: string;
  readonly pipeline: string | undefined;
  readonly counts: ComponentCounts;
}

/** One export attempt as the delivery machinery saw it. */
export interface AttemptOutcome {
  readonly seconds: number;
  /** Undefined when every event was delivered; else why not (the first retryable error, or the refusal). */
  readonly error: Error | undefined;
}

/**
 * Who learns what happens to components beyond the counts: the status board. Kept to
 * three calls so that a rework of `reportError` (issue 13) changes one seam.
 */
export interface ComponentObserver {
  /** A component called `ctx.reportError`. */
  reported(kind: ComponentKind, id: string, error: Error): void;
  /** An exporter's attempt ended (delivered, or failed with `error`). */
  attempted(exporter: string, outcome: AttemptOutcome): void;
  /** A receiver's events were accepted by its pipelines. */
  accepted(receiver: string): void;
  /** A receiver under leader election became the leader (it reads) or a standby (it waits). */
  role?(receiver: string, role: ReceiverRole): void;
}

export type ReceiverRole = 'leader' | 'standby';

export interface TelemetryOptions {
  readonly observer?: ComponentObserver;
  readonly taps?: TapHub;
}

/**
 * Counts for every component, kept as plain numbers (for the progress line and the
 * shutdown report) and recorded through @opentelemetry/api, where a MeterProvider, when
 * one is registered, exposes them (`/metrics`).
 */
export class Telemetry {
  readonly meter: Meter;
  readonly observer: ComponentObserver | undefined;
  readonly taps: TapHub | undefined;
  readonly #counters = new Map<string, Counter>();
  readonly #views: CountsView[] = [];
  #durations: Histogram | undefined;

  constructor(meter: Meter = metrics.getMeter('ferry'), options: TelemetryOptions = {}) {
    this.meter = meter;
    this.observer = options.observer;
    this.taps = options.taps;
  }

  counter(name: string, description: string, unit = '{event}'): Counter {
    let counter = this.#counters.get(name);
    if (counter === undefined) {
      counter = this.meter.createCounter(name, { description, unit });
      this.#counters.set(name, counter);
    }
    return counter;
  }

  get durations(): Histogram {
    this.#durations ??= this.meter.createHistogram(REQUEST_DURATION.instrument, {
      description: REQUEST_DURATION.help,
      unit: 's',
      advice: { explicitBucketBoundaries: [...REQUEST_DURATION.buckets] },
    });
    return this.#durations;
  }

  /** The counts of one component (per pipeline for processors and exporters). */
  component(kind: ComponentKind, id: string, pipeline?: string): ComponentRecorder {
    const counts: ComponentCounts = { accepted: 0, refused: 0, filtered: 0, sent: 0, failed: 0, retried: 0, lost: 0, failedAttempts: 0, custom: new Map() };
    this.#views.push({ kind, id, pipeline, counts });
    const recorder = new ComponentRecorder(this, kind, id, pipeline, counts);
    recorder.startAtZero();
    return recorder;
  }

  /** A count a component keeps itself (`ctx.telemetry.count`): of anything, so without a unit. */
  record(kind: ComponentKind, name: string, value: number, attributes: Attributes): void {
    this.counter(`ferry.${kind}.${name}`, `Counted by the ${kind}: ${name}.`, '1').add(value, attributes);
  }

  views(): readonly CountsView[] {
    return this.#views;
  }

  static describe(name: HostCounter): string {
    return HOST_COUNTERS[name].help;
  }
}

export class ComponentRecorder implements ComponentTelemetry {
  readonly kind: ComponentKind;
  readonly id: string;
  readonly pipeline: string | undefined;
  readonly counts: ComponentCounts;
  readonly #telemetry: Telemetry;
  readonly #attributes: Attributes;
  readonly #counters: Partial<Record<HostCounter, Counter>> = {};

  constructor(telemetry: Telemetry, kind: ComponentKind, id: string, pipeline: string | undefined, counts: ComponentCounts) {
    this.#telemetry = telemetry;
    this.kind = kind;
    this.id = id;
    this.pipeline = pipeline;
    this.counts = counts;
    this.#attributes = pipeline === undefined ? { [kind]: id } : { [kind]: id, pipeline };
  }

  get meter(): Meter {
    return this.#telemetry.meter;
  }

  /**
   * Shows this component's host counters at 0 before anything happens, so that a rate or
   * an alert on, say, dead letters works from the first scrape, not from the first letter.
   */
  startAtZero(): void {
    const names: readonly HostCounter[] = this.kind === 'receiver' ? ['accepted', 'refused'] : this.kind === 'processor' ? ['filtered'] : this.pipeline === undefined ? [] : ['sent', 'failed', 'retried', 'lost'];
    for (const name of names) this.#counter(name).add(0, this.#attributes);
    if (this.kind === 'exporter' && this.pipeline !== undefined) this.#telemetry.counter(FAILED_ATTEMPTS.instrument, FAILED_ATTEMPTS.help).add(0, this.#attributes);
  }

  add(name: HostCounter, value: number): void {
    if (value === 0) return;
    this.counts[name] += value;
    this.#counter(name).add(value, this.#attributes);
    if (name === 'accepted') this.#telemetry.observer?.accepted(this.id);
  }

  /** This component's counter for `name`, looked up once (`add` runs for every batch). */
  #counter(name: HostCounter): Counter {
    return (this.#counters[name] ??= this.#telemetry.counter(HOST_COUNTERS[name].instrument(this.kind), HOST_COUNTERS[name].help));
  }

  count(name: string, value = 1): void {
    this.counts.custom.set(name, (this.counts.custom.get(name) ?? 0) + value);
    this.#telemetry.record(this.kind, name, value, this.#attributes);
  }

  /** One export attempt: its duration, whether it failed, and what the status board makes of it. */
  attempted(outcome: AttemptOutcome): void {
    const failed = outcome.error !== undefined;
    this.#telemetry.durations.record(outcome.seconds, { ...this.#attributes, outcome: failed ? 'failed' : 'ok' });
    if (failed) {
      this.counts.failedAttempts++;
      this.#telemetry.counter(FAILED_ATTEMPTS.instrument, FAILED_ATTEMPTS.help).add(1, this.#attributes);
    }
    this.#telemetry.observer?.attempted(this.id, outcome);
  }

  /** The component called `ctx.reportError`. */
  reported(error: Error): void {
    this.#telemetry.observer?.reported(this.kind, this.id, error);
  }

  /** Whether anyone taps this component now (checked before preparing what `tap` takes). */
  get tapped(): boolean {
    const taps = this.#telemetry.taps;
    return taps !== undefined && taps.active && taps.wants(this.kind, this.id);
  }

  /** Events passing this component, as stored (NDJSON lines), for `ferry tap`. */
  tap(pipeline: string, lines: readonly string[]): void {
    this.#telemetry.taps?.offer(this.kind, this.id, pipeline, lines);
  }
}
