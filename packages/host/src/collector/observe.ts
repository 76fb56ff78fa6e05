import type { ExporterBooks } from './collector.js';
import type { EventLog, LogCursor } from '../log/types.js';
import type { ExporterRunner } from '../delivery/runner.js';
import type { OldestPending } from '../delivery/lag.js';
import type { QueuePolicy } from '../delivery/policy.js';
import type { PipelineConfig } from '../config/types.js';

/** One pipeline's log as telemetry reads it. */
export interface ObservedLog {
  readonly retainedBytes: number;
  readonly capacityBytes: number;
  /** Why appends cannot be written now (disk full, read-only), while that lasts. */
  readonly blocked: string | undefined;
  /** The log is at its bound: receivers are pushed back until an exporter catches up. */
  readonly full: boolean;
}

export interface ObservedPipeline extends PipelineConfig {
  readonly name: string;
  readonly log: ObservedLog | undefined;
}

/** One exporter in one pipeline: its books and its queue now. */
export interface ObservedExporter extends ExporterBooks {
  /** In batches being sent or waiting to be retried. */
  readonly inFlight: number;
  readonly queuedBytes: number;
  readonly oldestPending: OldestPending | undefined;
  /** Its full queue (`whenFull: block`) makes receivers wait. */
  readonly blocking: boolean;
  readonly capacity: { readonly events: number | undefined; readonly bytes: number };
  /** Events it read back from the log's files, not from memory (see LogCursor.readFromDisk). */
  readonly readFromDisk: number;
}

/** What the telemetry server (metrics, status, the page, `ferry top`) reads of a running collector. */
export interface ObservedCollector {
  readonly pipelines: readonly ObservedPipeline[];
  readonly exporters: readonly ObservedExporter[];
}

export function observeLog(log: EventLog, capacityBytes: number): ObservedLog {
  // Only the disk log can be refused writes.
  const blocked = (log as { readonly blocked?: string }).blocked;
  return { retainedBytes: log.retainedBytes, capacityBytes, blocked, full: !log.hasRoom(1) };
}

export function observeExporter(books: ExporterBooks, runner: ExporterRunner, cursor: LogCursor, queue: QueuePolicy, logCapacityBytes: number): ObservedExporter {
  return {
    ...books,
    inFlight: runner.held,
    queuedBytes: runner.queuedBytes,
    oldestPending: runner.oldestPending(),
    blocking: runner.full(),
    capacity: { events: queue.maxEvents, bytes: Math.min(queue.maxBytes ?? Infinity, logCapacityBytes) },
    readFromDisk: cursor.readFromDisk,
  };
}
