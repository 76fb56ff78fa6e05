import { metrics, type Attributes, type Counter, type Meter } from '@opentelemetry/api';
import type { ComponentKind, ComponentTelemetry } from '@ferry/sdk';

/** What the host counts for each component; the same figures go to OpenTelemetry. */
export interface ComponentCounts {
  accepted: number;
  refused: number;
  filtered: number;
  sent: number;
  failed: number;
  retried: number;
  lost: number;
  /** Anything the component counted itself (`malformed`, `reconnects`, …). */
  readonly custom: Map<string, number>;
}

export interface CountsView {
  readonly kind: ComponentKind;
  readonly id: string;
  readonly pipeline: string | undefined;
  readonly counts: ComponentCounts;
}

type HostCounter = Exclude<keyof ComponentCounts, 'custom'>;

const DESCRIPTIONS: Record<HostCounter, string> = {
  accepted: 'Events a receiver handed to its pipelines and that were accepted (durably when persistence is on).',
  refused: 'Events a receiver handed in that were refused (backpressure or shutdown) and not acknowledged.',
  filtered: 'Events a processor dropped on purpose.',
  sent: 'Events an exporter delivered.',
  failed: 'Events an exporter dead-lettered (permanent error or retries exhausted).',
  retried: 'Events in export attempts that failed and were retried.',
  lost: 'Events an exporter passed because damage in the durable log destroyed them (each range reported with where the damage is).',
};

/**
 * Counts for every component, kept as plain numbers (for the progress line and the
 * shutdown report) and recorded through @opentelemetry/api, where a MeterProvider, when
 * one is registered, exposes them.
 */
export class Telemetry {
  readonly meter: Meter;
  readonly #counters = new Map<string, Counter>();
  readonly #views: CountsView[] = [];

  constructor(meter: Meter = metrics.getMeter('ferry')) {
    this.meter = meter;
  }

  #counter(name: string, description: string): Counter {
    let counter = this.#counters.get(name);
    if (counter === undefined) {
      counter = this.meter.createCounter(name, { description, unit: '{event}' });
      this.#counters.set(name, counter);
    }
    return counter;
  }

  /** The counts of one component (per pipeline for processors and exporters). */
  component(kind: ComponentKind, id: string, pipeline?: string): ComponentRecorder {
    const counts: ComponentCounts = { accepted: 0, refused: 0, filtered: 0, sent: 0, failed: 0, retried: 0, lost: 0, custom: new Map() };
    this.#views.push({ kind, id, pipeline, counts });
    const attributes: Attributes = pipeline === undefined ? { [kind]: id } : { [kind]: id, pipeline };
    return new ComponentRecorder(this, kind, counts, attributes);
  }

  record(kind: ComponentKind, name: string, value: number, attributes: Attributes, description?: string): void {
    this.#counter(`ferry.${kind}.${name}`, description ?? `Counted by the ${kind}: ${name}.`).add(value, attributes);
  }

  views(): readonly CountsView[] {
    return this.#views;
  }

  static describe(name: HostCounter): string {
    return DESCRIPTIONS[name];
  }
}

export class ComponentRecorder implements ComponentTelemetry {
  readonly counts: ComponentCounts;
  readonly #telemetry: Telemetry;
  readonly #kind: ComponentKind;
  readonly #attributes: Attributes;

  constructor(telemetry: Telemetry, kind: ComponentKind, counts: ComponentCounts, attributes: Attributes) {
    this.#telemetry = telemetry;
    this.#kind = kind;
    this.counts = counts;
    this.#attributes = attributes;
  }

  get meter(): Meter {
    return this.#telemetry.meter;
  }

  add(name: HostCounter, value: number): void {
    if (value === 0) return;
    this.counts[name] += value;
    this.#telemetry.record(this.#kind, `${name}_events`, value, this.#attributes, Telemetry.describe(name));
  }

  count(name: string, value = 1): void {
    this.counts.custom.set(name, (this.counts.custom.get(name) ?? 0) + value);
    this.#telemetry.record(this.#kind, name, value, this.#attributes);
  }
}
