import type { FerryEvent, JsonValue } from '@ferry/sdk';
import type { LineSizes } from './records.js';

/** Events read from the log for one exporter, in sequence order. */
export interface LogSlice {
  readonly firstSeq: number;
  /** When the first of them was accepted (ms since the epoch). */
  readonly receivedAt: number;
  readonly lines: readonly string[];
  /** NDJSON bytes of the lines (each plus its newline). */
  readonly bytes: number;
}

/** A range of events a cursor passed because damage on disk destroyed them, and where that damage is. */
export interface LossRecord {
  /** The events [from, to) were lost. */
  readonly from: number;
  readonly to: number;
  /** When the reader found it (ISO 8601). */
  readonly at: string;
  readonly stretches: ReadonlyArray<{ readonly segment: string; readonly offset: number; readonly bytes: number }>;
}

/**
 * What became of every event an exporter's cursor has passed, since the exporter was first
 * added to the pipeline: `committed - origin = delivered + deadLettered + lost`.
 */
export interface CursorLedger {
  /** The sequence number the cursor started at when it was created. */
  readonly origin: number;
  readonly committed: number;
  readonly delivered: number;
  readonly deadLettered: number;
  readonly lost: number;
}

/** How the events a commit passes ended. */
export interface Finished {
  readonly delivered: number;
  readonly deadLettered: number;
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
   * `room` first; rejects with ShutdownError once closed. `sized`: the lines' sizes when the
   * caller measured them already (for `room`), so they are not measured twice.
   */
  append(events: readonly FerryEvent[], lines: readonly string[], state?: AppendState, sized?: LineSizes): Promise<void>;
  /** Whether an append of this many bytes (the lines' UTF-8 sizes with newlines, `lineSizes`) fits under the log's bound now. */
  hasRoom(bytes: number): boolean;
  /** Resolves once an append of this many bytes fits; rejects with ShutdownError once closed. */
  room(bytes: number): Promise<void>;
  /**
   * The cursor an exporter reads with. A durable cursor (the default) resumes where it
   * committed after a restart; one that is not starts at the end each time.
   */
  cursor(name: string, options?: { readonly durable?: boolean }): LogCursor;
  /**
   * Makes `cursor(name)` possible for an exporter the log was not opened for (one added by a
   * reload): a durable log creates its saved position, starting at the end.
   */
  ensureCursor(name: string): Promise<void>;
  /**
   * The exporter reading with this cursor was removed (by a reload). A durable log keeps its
   * position and every event it has not finished until the next start (they hold disk
   * space); a memory log lets go of them. Returns how many events that leaves behind.
   */
  retire(cursor: LogCursor): number;
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
  /** Every event with a lower sequence number is done for this reader: delivered, dead-lettered or lost to damage. */
  readonly committed: number;
  /** Events this cursor has passed since the log was opened because damage destroyed them (each covered by a LossRecord). */
  readonly lostToDamage: number;
  /** Of those, the ones at or after `committed` (passed by the read position, not yet by a commit). */
  readonly uncommittedLoss: number;
  /** The ledger since the exporter was added (persisted with the position when durable). */
  readonly ledger: CursorLedger;
  /**
   * The ledger a restart would find: for a durable cursor the last one written to its
   * journal (the kernel keeps it when the process is killed), which trails `ledger` by up
   * to the journal's write interval; otherwise `ledger`. What other exporters are told
   * (`ctx.progress`), so a reading they record never runs ahead of the position the
   * exporter resumes from after `kill -9`.
   */
  readonly savedLedger: CursorLedger;
  /** The next sequence number `take` returns. */
  readonly readPosition: number;
  /**
   * Events this cursor took from the log's files since the log was opened, because they were
   * no longer in its in-memory cache (`storage.cacheBytes`): a backlog after a restart or
   * an outage, or a cache too small for the exporter's batches in flight. Always 0 in memory.
   */
  readonly readFromDisk: number;
  /** Events appended but not yet taken. */
  available(): number;
  /** NDJSON bytes of those events (may be an estimate for events only on disk). */
  availableBytes(): number;
  /** When the next event to take was accepted, if there is one. */
  nextReceivedAt(): number | undefined;
  /** Resolves once `available() > 0`, the signal aborts or the log closes. */
  waitForData(signal: AbortSignal): Promise<void>;
  /**
   * Takes up to `maxEvents` events and `maxBytes` bytes (always at least one event when any
   * is available), and remembers the cut so that after a crash the same batch is cut
   * again. A range lost to damage is passed (and reported); a range missing without a
   * damage report rejects with LogGapError, and every later take rejects the same way.
   */
  take(maxEvents: number, maxBytes: number): Promise<LogSlice | undefined>;
  /**
   * Moves the read position back to `committed`, so events taken but never finished (batches
   * abandoned when their runner stopped) are taken again; a durable cursor cuts them again
   * as it had cut them.
   */
  rewind(): void;
  /**
   * Marks every event below `upTo` done, saying how the events since the last commit ended
   * (ranges lost to damage right after `upTo` are passed too); the log may drop them.
   */
  commit(upTo: number, finished: Finished): void;
}
