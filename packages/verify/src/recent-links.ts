import type { Place } from './report.js';

/**
 * The last `window` links of one writer by sequence number, to recognise a duplicate: a
 * ring of arrays indexed by `seq % window`, so remembering a link allocates nothing (a Map
 * of 100,000 entries churned once per record was a tenth of verify's time).
 */
export class RecentLinks {
  readonly #window: number;
  readonly #seqs: Float64Array;
  readonly #hashes: string[];
  readonly #places: Place[];

  constructor(window: number) {
    this.#window = window;
    this.#seqs = new Float64Array(window).fill(-1);
    this.#hashes = new Array<string>(window);
    this.#places = new Array<Place>(window);
  }

  get(seq: number): { readonly hash: string; readonly place: Place } | undefined {
    const at = seq % this.#window;
    return this.#seqs[at] === seq ? { hash: this.#hashes[at] as string, place: this.#places[at] as Place } : undefined;
  }

  /** Remembers a link; the one `window` positions before it is forgotten. */
  set(seq: number, hash: string, place: Place): void {
    const at = seq % this.#window;
    this.#seqs[at] = seq;
    this.#hashes[at] = hash;
    this.#places[at] = place;
  }

  clear(): void {
    this.#seqs.fill(-1);
  }
}
