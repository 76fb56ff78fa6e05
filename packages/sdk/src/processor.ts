import type { TObject } from './schema.js';
import type { Component, ProcessorContext, ProcessorState } from './component.js';
import type { FerryEvent } from './event.js';
import { finishDefinition, type ConfigOf, type DefinitionBase, type DefinitionInput } from './definition.js';

/** When the pipeline's durable log is cut into a batch for an exporter: whichever comes first. */
export interface BatchPolicy {
  /** At most this many events per batch. */
  readonly batchSize?: number;
  /** At most this many bytes of NDJSON per batch. */
  readonly maxBatchBytes?: number;
  /** A batch waits at most this long after its first event (0: no timer). */
  readonly flushIntervalMs?: number;
}

/**
 * A processor runs on every batch a receiver hands in, before the events are made durable,
 * so that what it does is written once and read back the same by every exporter.
 *
 * - `process` returns the events to keep, in order. Dropped events are counted as
 *   filtered. It must not hold events back: batching is done by the host after the
 *   durable log, so nothing held in a batch is ever only in memory.
 * - An unchanged event is returned as the same object: it keeps the text the receiver read
 *   (`textOf`), which is what the host stores, byte for byte. A changed event is a new
 *   object: the host stores `JSON.stringify` of it, unless the processor gives its text
 *   with `withText` (to change one member without re-encoding the rest, as the integrity
 *   processor appends its link). Never mutate an event: the host would store its
 *   original text, without the change.
 * - `batching` is for processors that set how the log is cut into batches (`batch`).
 * - `snapshot`/`restore`: state that must survive a restart (a hash chain's head). The
 *   host calls `snapshot()` exactly once per append, right after the `process()` calls
 *   whose events it appends, stores it with that append, and at start `restore()`s the
 *   one stored with the last append that became durable. A `process()` call not followed
 *   by `snapshot()` (its events were all dropped, or the pipeline closed) appended nothing.
 */
export interface Processor extends Component {
  process?(events: readonly FerryEvent[]): readonly FerryEvent[] | Promise<readonly FerryEvent[]>;
  readonly batching?: BatchPolicy;
  snapshot?(): ProcessorState;
  restore?(state: ProcessorState): void;
}

export interface ProcessorDefinition<Schema extends TObject = TObject> extends DefinitionBase<'processor', Schema> {
  create(ctx: ProcessorContext<ConfigOf<Schema>>): Processor;
}

export function defineProcessor<Schema extends TObject>(
  definition: DefinitionInput<ProcessorDefinition<Schema>>,
): ProcessorDefinition<Schema> {
  return finishDefinition<'processor', ProcessorDefinition<Schema>>('processor', definition);
}
