/**
 * The ids remembered, oldest first: a Set for the lookup, and an insertion-ordered queue of
 * ids and times so that expiring and evicting take the oldest from its head in constant
 * time. Every id in the Set has exactly one slot in the queue, from `head` on. (Iterating a
 * Map from its start instead rescans the slots of every id already deleted, which made a
 * full window 50× slower; a Set costs about a quarter less memory than a Map with times.)
 */
export class SeenIds {
  readonly #maxIds: number;
  readonly #windowMs: number;
  readonly #set = new Set<string>();
  #ids: string[] = [];
  #times: number[] = [];
  #head = 0;

  constructor(maxIds: number, windowMs: number) {
    this.#maxIds = maxIds;
    this.#windowMs = windowMs;
  }

  get size(): number {
    return this.#set.size;
  }

  has(key: string): boolean {
    return this.#set.has(key);
  }

  /** Remembers an id that is not remembered yet. */
  add(key: string, time: number): void {
    this.#set.add(key);
    this.#ids.push(key);
    this.#times.push(time);
  }

  /** Forgets the `count` ids added last (their events were not accepted after all). */
  removeNewest(count: number): void {
    for (let i = 0; i < count && this.#ids.length > this.#head; i++) {
      this.#set.delete(this.#ids.pop() as string);
      this.#times.pop();
    }
  }

  /** Forgets the ids seen before the window, then the oldest past `maxIds`. */
  trim(now: number): void {
    const horizon = now - this.#windowMs;
    while (this.#head < this.#ids.length && (this.#times[this.#head] as number) < horizon) this.#forgetOldest();
    while (this.#set.size > this.#maxIds) this.#forgetOldest();
  }

  /** Every remembered id with the time it was first seen, oldest first. */
  *entries(): Generator<[key: string, time: number]> {
    for (let i = this.#head; i < this.#ids.length; i++) yield [this.#ids[i] as string, this.#times[i] as number];
  }

  #forgetOldest(): void {
    this.#set.delete(this.#ids[this.#head] as string);
    this.#ids[this.#head] = ''; // let the string go now, not at the next slice
    this.#head++;
    // Drop the forgotten slots once they are half the queue: amortized constant time.
    if (this.#head > 4096 && this.#head * 2 > this.#ids.length) {
      this.#ids = this.#ids.slice(this.#head);
      this.#times = this.#times.slice(this.#head);
      this.#head = 0;
    }
  }
}
