import { Signal } from '../util/signal.js';

/** What a batch cutter sees of its pipeline's push-back (see PushBack). */
export interface PushBackView {
  /** Receivers are waiting for room in the pipeline now. */
  readonly waiting: boolean;
  /** Counts every time a receiver began to wait or was refused for want of room. */
  readonly pushes: number;
  /** Resolves at the next push (a receiver beginning to wait, or refused). */
  next(): Promise<void>;
}

/**
 * Whether a pipeline is pushing back on its receivers, for the exporters' batch cutters.
 *
 * Room in the log comes back only when exporters commit, and an exporter holds back a batch
 * smaller than `batchSize` for up to `flushIntervalMs`. A receiver waiting for room must not
 * wait on that timer: the log would sit full, nothing sent, for the whole interval (seen with
 * a log bound near the receiver's read-ahead: bursts, then 5 s of nothing, again and again —
 * and an SSE receiver that stops reading for that long risks the stream being dropped). So
 * while a receiver waits, or right after one was refused, every waiting event is due at once.
 */
export class PushBack implements PushBackView {
  #waiters = 0;
  #pushes = 0;
  readonly #pushed = new Signal();

  get waiting(): boolean {
    return this.#waiters > 0;
  }

  get pushes(): number {
    return this.#pushes;
  }

  next(): Promise<void> {
    return this.#pushed.wait();
  }

  /** Waits for `room` while telling the cutters a receiver is waiting. */
  async during<T>(room: Promise<T>): Promise<T> {
    this.#waiters++;
    this.#push();
    try {
      return await room;
    } finally {
      this.#waiters--;
    }
  }

  /** A receiver was refused for want of room (it will come back): what waits is due now. */
  refused(): void {
    this.#push();
  }

  #push(): void {
    this.#pushes++;
    this.#pushed.notify();
  }
}
