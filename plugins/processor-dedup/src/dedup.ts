import type { FerryEvent, JsonValue, Processor, ProcessorContext } from '@ferry/sdk';
import type { DedupConfig } from './config.js';
import { keyAccessor, type KeyOf } from './key.js';
import { SeenIds } from './seen-ids.js';
import { SeenFile, seenLine, type SeenPosition } from './seen-file.js';

/** The ids the last `process` call added, until the host appends its events. */
interface Unconfirmed {
  readonly count: number;
  readonly lines: string;
}

const NONE: Unconfirmed = { count: 0, lines: '' };

type Gauge = ReturnType<ProcessorContext<DedupConfig>['telemetry']['meter']['createObservableGauge']>;

/**
 * Drops events whose key was seen within the window.
 *
 * An id counts as seen only once its event is accepted: the host calls `snapshot` exactly
 * when it appends the events `process` kept (the pipeline handles one call at a time), so
 * that is when the ids are written to the file. A `process` call not followed by
 * `snapshot` (a later processor failed, or dropped them all) is withdrawn at the next one:
 * otherwise the sender's retry of an event that was never accepted would be dropped as a
 * duplicate, and lost.
 */
export class Dedup implements Processor {
  readonly #ctx: ProcessorContext<DedupConfig>;
  readonly #key: KeyOf;
  readonly #seen: SeenIds;
  readonly #file: SeenFile | undefined;
  readonly #now: () => number;
  #restored: SeenPosition | undefined;
  #unconfirmed: Unconfirmed = NONE;
  #gauge: Gauge | undefined;
  readonly #observe = (result: { observe(value: number): void }): void => result.observe(this.#seen.size);

  constructor(ctx: ProcessorContext<DedupConfig>, now: () => number = Date.now) {
    this.#ctx = ctx;
    this.#key = keyAccessor(ctx.config.key);
    this.#seen = new SeenIds(ctx.config.maxIds, ctx.config.windowSeconds * 1000);
    this.#file = ctx.storage === undefined ? undefined : new SeenFile(ctx.storage.directory, ctx.logger);
    this.#now = now;
  }

  restore(state: JsonValue): void {
    const s = state as { gen?: unknown; bytes?: unknown } | null;
    if (s !== null && typeof s === 'object' && typeof s.gen === 'number' && typeof s.bytes === 'number') this.#restored = { gen: s.gen, bytes: s.bytes };
  }

  async start(): Promise<void> {
    this.#gauge = this.#ctx.telemetry.meter.createObservableGauge('dedup.remembered_ids', { description: 'Event ids the dedup processor remembers now' });
    this.#gauge.addCallback(this.#observe);
    if (this.#file === undefined) return;
    const now = this.#now();
    const horizon = now - this.#ctx.config.windowSeconds * 1000;
    this.#file.open(this.#restored, (key, time) => {
      if (time >= horizon && !this.#seen.has(key)) this.#seen.add(key, time);
    });
    this.#seen.trim(now);
    this.#ctx.logger.info('dedup state loaded', { rememberedIds: this.#seen.size });
  }

  async shutdown(): Promise<void> {
    this.#gauge?.removeCallback(this.#observe);
    this.#file?.close();
  }

  process(events: readonly FerryEvent[]): readonly FerryEvent[] {
    if (this.#unconfirmed.count > 0) this.#seen.removeNewest(this.#unconfirmed.count);
    const now = this.#now();
    this.#seen.trim(now);
    const persist = this.#file !== undefined;
    const kept: FerryEvent[] = [];
    let lines = '';
    let added = 0;
    for (const event of events) {
      const key = this.#key(event);
      if (key === undefined) {
        kept.push(event); // nothing to compare on: never drop what cannot be identified
        continue;
      }
      if (this.#seen.has(key)) continue;
      this.#seen.add(key, now);
      added++;
      if (persist) lines += seenLine(key, now);
      kept.push(event);
    }
    this.#seen.trim(now);
    this.#unconfirmed = { count: added, lines };
    return kept.length === events.length ? events : kept;
  }

  /** Called by the host with each append of the events `process` kept: their ids now count. */
  snapshot(): JsonValue {
    const { count, lines } = this.#unconfirmed;
    this.#unconfirmed = NONE;
    if (this.#file === undefined) return null;
    this.#file.append(lines, count);
    if (this.#file.shouldCompact(this.#seen.size)) this.#file.compact(this.#seen.entries(), this.#seen.size);
    const { gen, bytes } = this.#file.position;
    return { gen, bytes };
  }

  /** How many ids are remembered now. */
  get size(): number {
    return this.#seen.size;
  }
}
