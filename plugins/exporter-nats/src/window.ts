/**
 * How many publishes may await their PubAck at once, over every batch the exporter is sending
 * (the host sends up to `maxInFlight` batches together): a slot is taken before a publish and
 * given back when its PubAck (or its failure) is in.
 */
export class PublishWindow {
  readonly #size: number;
  #used = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(size: number) {
    this.#size = size;
  }

  async take(): Promise<void> {
    if (this.#used < this.#size) {
      this.#used++;
      return;
    }
    // The slot is handed over by `give` directly, so the count never exceeds the size.
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  give(): void {
    const next = this.#waiting.shift();
    if (next !== undefined) next();
    else this.#used--;
  }
}
