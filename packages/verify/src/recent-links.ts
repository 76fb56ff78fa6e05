import type { Place } from './report.js';

/**
 * The last `window` links of one writer by sequence number, to recognise a duplicate: a
 * ring indexed by `seq % window` in flat arrays — each hash as its 32 bytes, each place as
 * the object's key (a string every line of the object shares) and a line number — so
 * remembering a link allocates nothing. A Map of 100,000 entries churned once per record
 * was a tenth of verify's time, and its strings and places, long-lived enough to be
 * promoted, were garbage the old generation piled up (peak RSS).
 */
export class RecentLinks {
  readonly #window: number;
  readonly #seqs: Float64Array;
  readonly #hashes: Buffer;
  readonly #keys: string[];
  readonly #lines: Uint32Array;

  constructor(window: number) {
    this.#window = window;
    this.#seqs = new Float64Array(window).fill(-1);
    this.#hashes = Buffer.alloc(window * 32);
    this.#keys = new Array<string>(window);
    this.#lines = new Uint32Array(window);
  }

  get(seq: number): { readonly hash: string; readonly place: Place } | undefined {
    const at = seq % this.#window;
    if (this.#seqs[at] !== seq) return undefined;
    return { hash: this.#hashes.toString('hex', at * 32, at * 32 + 32), place: { key: this.#keys[at] as string, line: this.#lines[at] as number } };
  }

  /** Remembers a link (its hash is 64 hex digits); the one `window` positions before it is forgotten. */
  set(seq: number, hash: string, place: Place): void {
    const at = seq % this.#window;
    this.#seqs[at] = seq;
    this.#hashes.write(hash, at * 32, 32, 'hex');
    this.#keys[at] = place.key;
    this.#lines[at] = place.line;
  }

  clear(): void {
    this.#seqs.fill(-1);
  }
}
