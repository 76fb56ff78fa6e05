/** The last `capacity` ids seen, for dropping an id replayed after a reconnect. */
export class RecentIds {
  readonly #capacity: number;
  readonly #set = new Set<string>();
  readonly #order: string[] = [];
  #head = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** True when the id is new (and now remembered). */
  add(id: string): boolean {
    if (this.#capacity === 0) return true;
    if (this.#set.has(id)) return false;
    this.#set.add(id);
    if (this.#order.length < this.#capacity) this.#order.push(id);
    else {
      this.#set.delete(this.#order[this.#head] as string);
      this.#order[this.#head] = id;
      this.#head = (this.#head + 1) % this.#capacity;
    }
    return true;
  }
}
