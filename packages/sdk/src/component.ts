import type { Meter } from '@opentelemetry/api';
import type { FerryEvent, JsonValue } from './event.js';

export type ComponentKind = 'receiver' | 'processor' | 'exporter';

/** How far a component can be relied on, as `ferry components` shows it. */
export type Stability = 'development' | 'alpha' | 'beta' | 'stable' | 'deprecated';

/** Structured logging; fields are attached to the line, never interpolated into the message. */
export interface Logger {
  debug(message: string, fields?: Readonly<Record<string, unknown>>): void;
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
  child(fields: Readonly<Record<string, unknown>>): Logger;
}

/**
 * The host counts what every component accepted, filtered, sent, failed and holds. A
 * component adds only what the host cannot see, such as `malformed` input it discarded;
 * `meter` makes any other instrument, named under the component.
 */
export interface ComponentTelemetry {
  count(name: string, value?: number): void;
  readonly meter: Meter;
}

/** A directory reserved for one component while persistence is on. */
export interface ComponentStorage {
  readonly directory: string;
}

export interface ComponentContext<Config> {
  /** The component id from the config: `type` or `type/name`. */
  readonly id: string;
  readonly config: Readonly<Config>;
  readonly logger: Logger;
  readonly telemetry: ComponentTelemetry;
  /** Present when the config has `storage`. */
  readonly storage: ComponentStorage | undefined;
  /** Aborted when the collector shuts down; pass it to long waits and requests. */
  readonly signal: AbortSignal;
  /**
   * Tells the host of a failure the component cannot fix by itself after start; it means the
   * same for every kind of component. The error is logged with the component's id and shown
   * by `/status`, and the rest of the collector keeps running:
   * - a ConfigError (rejected credentials, a missing table) marks the component failed
   *   (permanent error) until it works again: a receiver that reports one has stopped
   *   reading (when every receiver has, Ferry exits 1); an exporter's events stay queued —
   *   a ConfigError thrown by `export` does the same — until it delivers again or a reload
   *   with a fixed config replaces it;
   * - any other error marks it in a recoverable error until it works again (a receiver hands
   *   in events, an exporter delivers), unhealthy after `service.telemetry.recoveryDurationMs`.
   */
  reportError(error: Error): void;
}

/**
 * The lifecycle every running component follows (the host guarantees the order):
 * - `start` returns quickly; long-running work continues in the background. Throwing
 *   stops the collector with a message naming the component, except a RetryableError,
 *   which is logged as a warning (the destination may come back).
 * - `shutdown` stops all work and releases resources. The host calls it at most once
 *   per component, possibly without `start` having been called or having succeeded.
 */
export interface Component {
  start?(): Promise<void>;
  shutdown?(): Promise<void>;
}

export interface ConsumeOptions {
  /**
   * With `false`, reject at once with a BackpressureError when the pipeline has no room,
   * instead of waiting for room (an HTTP receiver answers 503 with its `retryAfterMs`).
   */
  readonly wait?: boolean;
}

/** Where a receiver hands what it received. */
export interface EventConsumer {
  /**
   * Resolves once the events are accepted: on disk when persistence is on, so the
   * receiver may acknowledge them upstream. Rejects with a BackpressureError (only with
   * `wait: false`) or a ShutdownError; then nothing of the call was accepted.
   *
   * Hand events from `decodeEvent` (or give each its text with `withText`): they carry
   * the JSON text the source sent, which is what Ferry stores and exports, byte for byte.
   * A plain object is stored as `JSON.stringify` writes it.
   */
  consume(events: readonly FerryEvent[], options?: ConsumeOptions): Promise<void>;
}

/**
 * Input a receiver could not turn into events (not JSON, not an event), kept with the reason
 * instead of being dropped. Dead letters of a receiver are raw: they never reached a pipeline,
 * so no exporter replays them; an operator reads them (`ferry dlq list` names the file).
 */
export interface RawDeadLetter {
  /** The input exactly as received. */
  readonly bytes: Uint8Array;
  /** Why it is not an event, in plain words. */
  readonly reason: string;
  /** Where it came from, for whoever reads it (a stream and sequence number, a URL). */
  readonly source?: Readonly<Record<string, JsonValue>>;
}

export interface ReceiverContext<Config> extends ComponentContext<Config> {
  readonly next: EventConsumer;
  /**
   * Keeps input that is not an event, with the reason. Resolves once it is kept — on disk
   * and fsynced with `storage`, else logged at error level with its bytes — so the receiver
   * may then let go of it upstream (terminate a broker message, delete a row).
   */
  deadLetter(letter: RawDeadLetter): Promise<void>;
}

export type ProcessorContext<Config> = ComponentContext<Config>;

export interface ExporterContext<Config> extends ComponentContext<Config> {
  /** How far the exporters of this collector have got through each pipeline's log. */
  readonly progress: DeliveryProgress;
}

/**
 * Where one exporter stands in one pipeline's log (sequence numbers are those of
 * `Batch.seq`). Every event in `[origin, committed)` is finished for it, and
 * `committed - origin = delivered + deadLettered + lost`. The figures only grow while the
 * log lasts; with `storage` they survive restarts (a `queue.type: memory` exporter starts
 * a new `origin` at every start, skipping what it had not taken).
 */
export interface ExporterProgress {
  /** Where the exporter started reading this log: events below were never its to deliver. */
  readonly origin: number;
  /**
   * Every event in `[origin, committed)` is delivered, dead-lettered or lost to damage; as
   * saved, so after the process is killed the exporter resumes here or further on.
   */
  readonly committed: number;
  /** Of those, how many were dead-lettered (kept, not delivered). */
  readonly deadLettered: number;
  /** Of those, how many were lost to damage on disk. */
  readonly lost: number;
}

/**
 * Lets an exporter learn how far another exporter of the same collector has delivered, for
 * work that must wait on it: a database sink that drops old rows only once the archive has
 * them, say. Read-only and cheap (no I/O): call it as often as needed.
 */
export interface DeliveryProgress {
  /**
   * Exporter `exporterId`'s standing in `pipeline`'s log (`Batch.pipeline`), or undefined
   * when that exporter does not read that pipeline, or the pipeline has not started yet.
   * An event `seq` was delivered by it only when `origin <= seq < committed` and none of
   * that range was dead-lettered or lost: compare two readings to tell which range a
   * dead letter fell in.
   */
  of(exporterId: string, pipeline: string): ExporterProgress | undefined;
}

/** State a processor keeps across restarts, stored with the pipeline's durable log. */
export type ProcessorState = JsonValue;
