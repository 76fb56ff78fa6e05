import type { ComponentKind } from '@ferry/sdk';

/**
 * What a tap follows. Events are always shown as the pipeline stored them (after every
 * processor, so after `redact`): a receiver's tap shows the events it handed in as its
 * pipelines kept them, a processor's or a pipeline's shows what its pipeline kept, an
 * exporter's shows the batches it is sent.
 */
export type TapTarget =
  | { readonly kind: 'receiver'; readonly id: string }
  | { readonly kind: 'exporter'; readonly id: string }
  | { readonly kind: 'pipelines'; readonly id: string; readonly pipelines: readonly string[] };

/** One tapped event: the component it passed, its pipeline, and the stored line. */
export interface TappedEvent {
  readonly pipeline: string;
  /** The event exactly as stored (one NDJSON line). */
  readonly line: string;
}

export interface TapOptions {
  /** Most events passed on per interval (a sample: the first ones of each interval). */
  readonly limit: number;
  readonly intervalMs: number;
  /** Receives each interval's sample (never empty). */
  readonly deliver: (events: readonly TappedEvent[]) => void;
}

class Subscription {
  readonly target: TapTarget;
  readonly #options: TapOptions;
  #sample: TappedEvent[] = [];
  readonly #timer: NodeJS.Timeout;

  constructor(target: TapTarget, options: TapOptions) {
    this.target = target;
    this.#options = options;
    this.#timer = setInterval(() => this.flush(), options.intervalMs);
    this.#timer.unref();
  }

  matches(kind: ComponentKind, id: string, pipeline: string): boolean {
    const { target } = this;
    if (target.kind === 'exporter') return kind === 'exporter' && id === target.id;
    if (kind !== 'receiver') return false;
    return target.kind === 'receiver' ? id === target.id : target.pipelines.includes(pipeline);
  }

  offer(pipeline: string, lines: readonly string[]): void {
    for (const line of lines) {
      if (this.#sample.length >= this.#options.limit) return;
      this.#sample.push({ pipeline, line });
    }
  }

  flush(): void {
    if (this.#sample.length === 0) return;
    const sample = this.#sample;
    this.#sample = [];
    this.#options.deliver(sample);
  }

  close(): void {
    clearInterval(this.#timer);
  }
}

/**
 * Lets `ferry tap` watch events flow. Costs nothing while nobody taps (`active` is false
 * and the data path checks it first); a tap only copies references to lines that exist
 * anyway, up to its limit per interval.
 */
export class TapHub {
  readonly #subscriptions = new Set<Subscription>();

  get active(): boolean {
    return this.#subscriptions.size > 0;
  }

  /** Whether a component of this kind should offer what passes it now. */
  wants(kind: ComponentKind, id: string): boolean {
    for (const s of this.#subscriptions) {
      if (kind === 'exporter' ? s.target.kind === 'exporter' && s.target.id === id : kind === 'receiver' && s.target.kind !== 'exporter') return true;
    }
    return false;
  }

  offer(kind: ComponentKind, id: string, pipeline: string, lines: readonly string[]): void {
    for (const s of this.#subscriptions) if (s.matches(kind, id, pipeline)) s.offer(pipeline, lines);
  }

  /** Starts a tap; the returned function ends it (passing on what it holds). */
  subscribe(target: TapTarget, options: TapOptions): () => void {
    const subscription = new Subscription(target, options);
    this.#subscriptions.add(subscription);
    return () => {
      if (!this.#subscriptions.delete(subscription)) return;
      subscription.close();
    };
  }
}
