/** A reusable wake-up: `wait()` resolves at the next `notify()`. */
export class Signal {
  #waiting: { promise: Promise<void>; resolve: () => void } | undefined;

  wait(): Promise<void> {
    if (this.#waiting === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.#waiting = { promise, resolve };
    }
    return this.#waiting.promise;
  }

  notify(): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.resolve();
  }
}
