import type { FerryEvent } from '@ferry/sdk';
import type { Production } from './production.js';
import type { SseStream } from './sse-stream.js';

/** One published event's fate across the streams it was sent to. */
interface Fate {
  pending: number;
  delivered: boolean;
}

interface Outbox {
  readonly items: Array<{ readonly event: FerryEvent; readonly fate: Fate }>;
  pumping: boolean;
}

const TICK_MS = 10;
const BATCH = 64;
/** A stream this far behind the timeline is cut off, as a server protecting its memory would. */
export const MAX_BACKLOG = 50_000;

/**
 * Broadcast mode, as Grantex's route fans Redis pub/sub messages out: one timeline, each
 * event written to every stream open when it is published and whose types match. An event
 * that reaches no stream is `missed` (Grantex has no replay). Events come at `rate` per
 * second (when above 0) and from `publish`.
 */
export class Broadcaster {
  #missed = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #outboxes = new Map<SseStream, Outbox>();
  readonly #production: Production;
  readonly #rate: number;

  constructor(production: Production, rate: number) {
    this.#production = production;
    this.#rate = rate;
  }

  get missed(): number {
    return this.#missed;
  }

  /** Publishes up to `count` events now and returns them (fewer once the total is reached). */
  publish(count: number): FerryEvent[] {
    const events = this.#production.take(count);
    for (const event of events) this.#publish(event);
    return events;
  }

  /** Starts the `rate` timeline; without a rate, only `publish` makes events. */
  start(): void {
    if (this.#rate <= 0) return;
    let owed = 0;
    let last = Date.now();
    this.#timer = setInterval(() => {
      const now = Date.now();
      owed += ((now - last) * this.#rate) / 1000;
      last = now;
      const due = Math.floor(owed);
      owed -= due;
      this.publish(due);
      if (this.#production.exhausted) this.stop();
    }, TICK_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  add(stream: SseStream): void {
    const outbox: Outbox = { items: [], pumping: false };
    this.#outboxes.set(stream, outbox);
    void stream.closed.then(() => {
      this.#outboxes.delete(stream);
      this.#settle(outbox.items.splice(0), 0);
    });
  }

  #publish(event: FerryEvent): void {
    const targets: Outbox[] = [];
    for (const [stream, outbox] of this.#outboxes) if (stream.accepting && (!stream.types || stream.types.has(event.type))) targets.push(outbox);
    if (targets.length === 0) {
      this.#missed++;
      return;
    }
    const fate: Fate = { pending: targets.length, delivered: false };
    for (const outbox of targets) outbox.items.push({ event, fate });
    for (const [stream, outbox] of this.#outboxes) {
      if (outbox.items.length > MAX_BACKLOG) {
        stream.destroy();
        this.#settle(outbox.items.splice(0), 0);
      } else if (!outbox.pumping && outbox.items.length > 0) void this.#pump(stream, outbox);
    }
  }

  async #pump(stream: SseStream, outbox: Outbox): Promise<void> {
    outbox.pumping = true;
    while (outbox.items.length > 0) {
      const batch = outbox.items.splice(0, BATCH);
      const sent = await stream.send(batch.map((item) => item.event));
      this.#settle(batch, sent);
      if (sent < batch.length) {
        // Stalled, dropped or gone: nothing queued for it will arrive.
        this.#settle(outbox.items.splice(0), 0);
        break;
      }
    }
    outbox.pumping = false;
  }

  /** The first `sent` items arrived on their stream; the rest did not. */
  #settle(items: ReadonlyArray<{ readonly fate: Fate }>, sent: number): void {
    items.forEach(({ fate }, i) => {
      if (i < sent) fate.delivered = true;
      if (--fate.pending === 0 && !fate.delivered) this.#missed++;
    });
  }
}
