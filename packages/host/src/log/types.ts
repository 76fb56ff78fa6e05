import type { FerryEvent, JsonValue } from '@ferry/sdk';

/** Events read from the log for one exporter, in sequence order. */
export interface LogSlice {
  readonly firstSeq: number;
  /** When the first of them was accepted (ms since the epoch). */
  readonly receivedAt: number;
  readonly lines: readonly string[];
  /** The decoded events when the log still holds them (saves a parse); otherwise undefined. */
  readonly events: readonly FerryEvent[] | undefined;
  readonly bytes: number;
}

/** Processor state stored with an append, keyed by processor id. */
export type AppendState = Readonly<Record<string, JsonValue>>;

/**
 * One pipeline's log: receivers' events are appended once (durably when persistence is
 * on) and every exporter reads them through its own cursor at its own pace. An event
 * leaves the log once every cursor has committed past it.
 */
export interface EventLog {
  /**
   * Appends events (with their JSON lines) at once, assigning the next sequence numbers,
   * and resolves once they are accepted (on disk with persistence). Callers wait for
   * `room` first; rejects with ShutdownError once closed.
   */
  append(events: readonly FerryEvent[], lines: readonly string[], state?: AppendState): Promise<void>;
  /** Whether an append of this many bytes fits under the log's bound now. */
  hasRoom(bytes: number): boolean;
  /** Resolves once an append of this many bytes fits; rejects with ShutdownError once closed. */
  room(bytes: number): Promise<void>;
  /**
   * The cursor an exporter reads with. A durable cursor (the default) resumes where it
   * committed after a restart; one that is not starts at the end each time.
   */
  cursor(name: string, options?: { readonly durable?: boolean }): LogCursor;
  /** The next sequence number to be assigned. */
  readonly endSeq: number;
  /** Resolves at the next append (or close). */
  nextAppend(): Promise<void>;
  /** The processor state of the last append before this start, if any. */
  readonly restoredState: AppendState | undefined;
  readonly retainedEvents: number;
  readonly retainedBytes: number;
  /** Stops appends (pending ones reject); data stays for the next start when durable. */
  close(): Promise<void>;
}

export interface LogCursor {
  readonly name: string;
  /** Every event with a lower sequence number is done for this reader. */
  readonly committed: number;
  /** The next sequence number `take` returns. */
  readonly readPosition: number;
  /** Events appended but not yet taken. */
  available(): number;
  /** NDJSON bytes of those events (may be an estimate for events only on disk). */
  availableBytes(): number;
  /** When the next event to take was accepted, if there is one. */
  nextReceivedAt(): number | undefined;
  /** Resolves once `available() > 0`, the signal aborts or the log closes. */
  waitForData(signal: AbortSignal): Promise<void>;
  /** Takes up to `maxEvents` events and `maxBytes` bytes (always at least one event when any is available). */
  take(maxEvents: number, maxBytes: number): Promise<LogSlice | undefined>;
  /** Marks every event below `upTo` done; the log may drop them. */
  commit(upTo: number): void;
}
