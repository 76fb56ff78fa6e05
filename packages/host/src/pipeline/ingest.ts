import { BackpressureError, eventLine, ShutdownError, type ConsumeOptions, type FerryEvent, type Logger, type Processor } from '@ferry/sdk';
import type { AppendState, EventLog } from '../log/types.js';
import { lineSizes } from '../log/records.js';
import type { ComponentRecorder } from '../telemetry/metrics.js';
import { Signal } from '../util/signal.js';
import { PushBack } from './push-back.js';

/** An exporter that can ask receivers to wait (its queue is full and set to block). */
export interface ExporterRoom {
  full(): boolean;
  space(): Promise<void>;
}

export interface IngestProcessor {
  readonly id: string;
  readonly instance: Processor;
  readonly recorder: ComponentRecorder;
}

/** One call's append, issued: its stored lines (after every processor), and when they are durable. */
interface Ingested {
  readonly durable: Promise<void>;
  readonly stored: readonly string[];
}

const NOTHING_STORED: Ingested = { durable: Promise.resolve(), stored: [] };

function ignore(): void {}

function waitDurable({ durable, stored }: Ingested): Promise<readonly string[]> {
  return durable.then(() => stored);
}

/** Rough bytes of events not yet serialized, for a quick room check. */
const ESTIMATED_EVENT_BYTES = 512;

/**
 * A pipeline's entry: runs its processors over each batch a receiver hands in and appends
 * the result to the log, each event as its own text (`eventLine`: what the receiver read,
 * or JSON of an object a receiver or processor built). Calls are handled strictly in order, so sequence
 * numbers and any processor state (a hash chain's head) follow the order of arrival; only
 * the durable wait runs concurrently, which lets the disk log commit many calls at once.
 */
export class PipelineIngest {
  readonly name: string;
  /** Tells the exporters' batch cutters when receivers wait for room, so that what waits is sent at once. */
  readonly pushBack = new PushBack();
  #processors: readonly IngestProcessor[];
  #stateful: readonly IngestProcessor[];
  readonly #log: EventLog;
  readonly #logger: Logger;
  #tail: Promise<unknown> = Promise.resolve();
  #exporters: readonly ExporterRoom[] = [];
  #queued = 0;
  #appended = 0;
  #closed = false;
  readonly #closing = new Signal();

  constructor(name: string, processors: readonly IngestProcessor[], log: EventLog, logger: Logger) {
    this.name = name;
    this.#processors = processors.filter((p) => p.instance.process !== undefined);
    this.#stateful = processors.filter((p) => p.instance.snapshot !== undefined);
    this.#log = log;
    this.#logger = logger;
  }

  /**
   * Swaps the processors between two calls (a reload): every call issued before is
   * processed and appended with the old ones; then `swap` runs (to carry their state over);
   * every later call uses `next`. Order and state stay exactly as with one set throughout.
   */
  replaceProcessors(next: readonly IngestProcessor[], swap: () => Promise<void>): Promise<void> {
    const done = this.#tail.then(async () => {
      await swap();
      this.#processors = next.filter((p) => p.instance.process !== undefined);
      this.#stateful = next.filter((p) => p.instance.snapshot !== undefined);
    });
    this.#tail = done.catch(() => undefined);
    return done;
  }

  /** Events handed to the log since start (each exporter of the pipeline is to receive them). */
  get appended(): number {
    return this.#appended;
  }

  /** The exporters whose full queue makes receivers wait. */
  set exporters(exporters: readonly ExporterRoom[]) {
    this.#exporters = exporters;
  }

  /** Resolves, once accepted, with the lines stored (after every processor): what `ferry tap` shows. */
  consume(events: readonly FerryEvent[], options?: ConsumeOptions): Promise<readonly string[]> {
    if (this.#closed) return Promise.reject(new ShutdownError(`pipeline "${this.name}" is shutting down`));
    if (events.length === 0) return Promise.resolve([]);
    if (options?.wait === false) {
      const roomless = !this.#hasRoom(events.length * ESTIMATED_EVENT_BYTES);
      // Refused only because another call is under way: that one, if it waits, has pushed already.
      if (roomless) this.pushBack.refused();
      if (roomless || this.#queued > 0) return Promise.reject(new BackpressureError(`pipeline "${this.name}" is full`, 1000));
    }
    this.#queued++;
    // The call's events are held only until their append is issued, not while it is made
    // durable: no closure of this scope holds them (one would keep the whole scope), so
    // they die young instead of being promoted to V8's old generation while the disk syncs.
    const issued = this.#tail.then(this.#ingestLater(events));
    const settled = issued.finally(this.#callDone);
    this.#tail = settled.catch(ignore);
    return settled.then(waitDurable);
  }

  #ingestLater(events: readonly FerryEvent[]): () => Promise<Ingested> {
    return () => this.#ingest(events);
  }

  readonly #callDone = (): void => {
    this.#queued--;
  };

  /** Processes one call's events, waits for room and issues their append: what is stored, and when it is durable. */
  async #ingest(events: readonly FerryEvent[]): Promise<Ingested> {
    const kept = await this.#process(events);
    if (kept.length === 0) return NOTHING_STORED;
    // Each event's own text when it has one (as the source sent it): never re-encoded.
    const lines = kept.map(eventLine);
    // Measured as the log counts them (UTF-8), so the log never holds more than its bound.
    const sized = lineSizes(lines);
    const room = this.#log.room(sized.bytes);
    await this.#unlessClosing(this.#log.hasRoom(sized.bytes) ? room : this.pushBack.during(room));
    for (let full = this.#exporters.find((e) => e.full()); full !== undefined; full = this.#exporters.find((e) => e.full())) {
      await this.#unlessClosing(this.pushBack.during(full.space()));
    }
    if (this.#closed) throw new ShutdownError(`pipeline "${this.name}" is shutting down`);
    const durable = this.#log.append(kept, lines, this.#snapshot(), sized);
    this.#appended += kept.length;
    return { durable, stored: lines };
  }

  #hasRoom(bytes: number): boolean {
    return this.#log.hasRoom(bytes) && !this.#exporters.some((e) => e.full());
  }

  async #process(events: readonly FerryEvent[]): Promise<readonly FerryEvent[]> {
    let current = events;
    for (const { id, instance, recorder } of this.#processors) {
      const before = current.length;
      const result = (instance.process as NonNullable<Processor['process']>)(current);
      try {
        current = result instanceof Promise ? await result : result;
      } catch (error) {
        this.#logger.error('processor failed; the events were not accepted', { processor: id, error: (error as Error).message });
        throw error;
      }
      if (current.length < before) recorder.add('filtered', before - current.length);
      if (current.length === 0) break;
    }
    return current;
  }

  #snapshot(): AppendState | undefined {
    if (this.#stateful.length === 0) return undefined;
    const state: Record<string, ReturnType<NonNullable<Processor['snapshot']>>> = {};
    for (const { id, instance } of this.#stateful) state[id] = (instance.snapshot as NonNullable<Processor['snapshot']>)();
    return state;
  }

  /** Waits for room, but gives up (nothing accepted) when the pipeline closes meanwhile. */
  async #unlessClosing(room: Promise<void>): Promise<void> {
    if (this.#closed) throw new ShutdownError(`pipeline "${this.name}" is shutting down`);
    await Promise.race([room, this.#closing.wait()]);
    if (this.#closed) throw new ShutdownError(`pipeline "${this.name}" is shutting down`);
  }

  /** Refuses new events, lets those waiting for room give up, and waits for the ones being appended. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#closing.notify();
    await this.#tail;
  }
}
