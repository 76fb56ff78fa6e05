import type { JsMsg } from 'nats';

/**
 * The messages an instance has fetched and not yet acknowledged, terminated or handed back:
 * queued for the pipeline, or being accepted by it. While a message is held, JetStream is
 * told every third of `ack_wait` that it is still being worked on (`+WPI`), so a slow
 * pipeline — a large batch fsyncing, a full log — never makes it redeliver early.
 */
export class HeldMessages {
  readonly #held = new Set<JsMsg>();
  readonly #queue: JsMsg[] = [];
  #timer: NodeJS.Timeout | undefined;
  #wake: (() => void) | undefined;
  #room: (() => void) | undefined;
  #finished = false;

  constructor(ackWaitMs: number) {
    this.#timer = setInterval(() => {
      for (const message of this.#held) message.working();
    }, Math.max(100, Math.floor(ackWaitMs / 3)));
    this.#timer.unref();
  }

  get queued(): number {
    return this.#queue.length;
  }

  get size(): number {
    return this.#held.size;
  }

  push(message: JsMsg): void {
    this.#held.add(message);
    this.#queue.push(message);
    this.#wake?.();
  }

  /** Up to `max` queued messages, in arrival order; they stay held until released. */
  take(max: number): JsMsg[] {
    const taken = this.#queue.splice(0, max);
    this.#room?.();
    return taken;
  }

  /** Waits until fewer than `max` are queued (the fetcher holds at most one batch waiting), or fetching ends. */
  async waitForRoom(max: number): Promise<void> {
    while (this.#queue.length >= max && !this.#finished) {
      await new Promise<void>((resolve) => (this.#room = resolve));
      this.#room = undefined;
    }
  }

  /** Set once fetching has ended: whoever waits for messages stops waiting. */
  get finished(): boolean {
    return this.#finished;
  }

  finish(): void {
    this.#finished = true;
    this.#wake?.();
    this.#room?.();
  }

  /** Waits until something is queued, or fetching ends. */
  async waitForQueued(): Promise<void> {
    if (this.#queue.length > 0 || this.#finished) return;
    await new Promise<void>((resolve) => (this.#wake = resolve));
    this.#wake = undefined;
  }

  release(messages: readonly JsMsg[]): void {
    for (const m of messages) this.#held.delete(m);
  }

  /** Every held message not being accepted, handed back (`nak`) so JetStream redelivers it at once, to this or another instance. */
  handBackQueued(): number {
    const queued = this.#queue.splice(0);
    for (const m of queued) {
      m.nak();
      this.#held.delete(m);
    }
    return queued.length;
  }

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
