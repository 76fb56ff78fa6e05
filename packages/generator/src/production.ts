import type { FerryEvent } from '@ferry/sdk';
import type { EventFactory } from './events.js';
import type { Random } from './random.js';

/** The one event timeline of a generator, and the `total` it stops at. */
export class Production {
  #produced = 0;
  readonly #factory: EventFactory;
  readonly #total: number;
  readonly #random: Random;

  constructor(factory: EventFactory, total: number, random: Random) {
    this.#factory = factory;
    this.#total = total;
    this.#random = random;
  }

  get produced(): number {
    return this.#produced;
  }

  get exhausted(): boolean {
    return this.#produced >= this.#total;
  }

  /** Up to `max` next events (fewer near the total), of the given types if any. */
  take(max: number, types?: readonly string[]): FerryEvent[] {
    const count = Math.max(0, Math.min(max, this.#total - this.#produced));
    this.#produced += count;
    const events = new Array<FerryEvent>(count);
    for (let i = 0; i < count; i++) events[i] = this.#factory.next(types ? this.#random.pick(types) : undefined);
    return events;
  }

  /** Events taken but never delivered whole: they do not count toward the total. */
  giveBack(count: number): void {
    this.#produced -= count;
  }
}
