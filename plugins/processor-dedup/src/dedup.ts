import { mkdirSync } from 'node:fs';
import type { FerryEvent, JsonValue, Processor, ProcessorContext } from '@ferry/sdk';
import type { DedupConfig } from './config.js';
import { SeenFile, type SeenPosition } from './seen-file.js';

function accessor(path: string): (event: FerryEvent) => string | undefined {
  const steps = path.split('.');
  return (event) => {
    let value: unknown = event;
    for (const step of steps) {
      if (typeof value !== 'object' || value === null) return undefined;
      value = (value as Record<string, unknown>)[step];
    }
    return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
  };
}

/**
 * Drops events whose key was seen within the window. Memory: one Map entry per id and one
 * slot in an insertion-ordered queue, so expiring and evicting take the oldest from the
 * queue's head in constant time. (Iterating the Map from its start instead would rescan
 * the slots of every id already deleted, which made a full window 50× slower.)
 */
export class Dedup implements Processor {
  readonly #config: DedupConfig;
  readonly #key: (event: FerryEvent) => string | undefined;
  readonly #seen = new Map<string, number>();
  #order: string[] = [];
  #times: number[] = [];
  #head = 0;
  readonly #file: SeenFile | undefined;
  readonly #now: () => number;
  #restored: SeenPosition | undefined;

  constructor(ctx: ProcessorContext<DedupConfig>, now: () => number = Date.now) {
    this.#config = ctx.config;
    this.#key = accessor(ctx.config.key);
    this.#now = now;
    this.#file = ctx.storage ? new SeenFile(ctx.storage.directory) : undefined;
    this.#storageDirectory = ctx.storage?.directory;
  }

  readonly #storageDirectory: string | undefined;

  restore(state: JsonValue): void {
    const s = state as { gen?: unknown; bytes?: unknown } | null;
    if (s && typeof s.gen === 'number' && typeof s.bytes === 'number') this.#restored = { gen: s.gen, bytes: s.bytes };
  }

  async start(): Promise<void> {
    if (this.#file === undefined || this.#storageDirectory === undefined) return;
    mkdirSync(this.#storageDirectory, { recursive: true });
    const horizon = this.#now() - this.#config.windowSeconds * 1000;
    for (const { time, key } of this.#file.load(this.#restored)) {
      if (time < horizon || this.#seen.has(key)) continue;
      this.#remember(key, time);
    }
    this.#evict();
  }

  async shutdown(): Promise<void> {
    this.#file?.close();
  }

  process(events: readonly FerryEvent[]): readonly FerryEvent[] {
    const now = this.#now();
    this.#expire(now);
    const kept: FerryEvent[] = [];
    let record = '';
    let added = 0;
    for (const event of events) {
      const key = this.#key(event);
      if (key === undefined) {
        kept.push(event); // nothing to compare on: never drop what cannot be identified
        continue;
      }
      if (this.#seen.has(key)) continue;
      this.#remember(key, now);
      kept.push(event);
      if (this.#file) {
        record += `${now}\t${JSON.stringify(key)}\n`;
        added++;
      }
    }
    this.#evict();
    if (this.#file) {
      this.#file.append(record, added);
      if (this.#file.lines > 2 * this.#seen.size + 10_000) this.#compact();
    }
    return kept.length === events.length ? events : kept;
  }

  snapshot(): JsonValue {
    const position = this.#file?.position;
    return position ? { gen: position.gen, bytes: position.bytes } : null;
  }

  /** How many ids are remembered now (for tests and telemetry). */
  get size(): number {
    return this.#seen.size;
  }

  #remember(key: string, time: number): void {
    this.#seen.set(key, time);
    this.#order.push(key);
    this.#times.push(time);
  }

  /** Forgets the oldest id. */
  #forgetOldest(): void {
    this.#seen.delete(this.#order[this.#head] as string);
    this.#head++;
    if (this.#head > 4096 && this.#head * 2 > this.#order.length) {
      this.#order = this.#order.slice(this.#head);
      this.#times = this.#times.slice(this.#head);
      this.#head = 0;
    }
  }

  #expire(now: number): void {
    const horizon = now - this.#config.windowSeconds * 1000;
    while (this.#head < this.#order.length && (this.#times[this.#head] as number) < horizon) this.#forgetOldest();
  }

  #evict(): void {
    while (this.#seen.size > this.#config.maxIds) this.#forgetOldest();
  }

  #compact(): void {
    let live = '';
    for (const [key, time] of this.#seen) live += `${time}\t${JSON.stringify(key)}\n`;
    this.#file?.compact(live, this.#seen.size);
  }
}
