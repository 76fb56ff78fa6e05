import { createBatch, type Batch } from '@ferry/sdk';
import type { LogCursor } from '../log/types.js';
import type { BatchCutter } from './batch-cutter.js';
import type { CommitWindow } from './commit-window.js';
import type { QueuePolicy } from './policy.js';
import type { Tally } from './retry.js';
import { wait } from './wait.js';

/** Whether an exporter's queue has limits at all. */
export function queueLimited(queue: QueuePolicy): boolean {
  return queue.maxEvents !== undefined || queue.maxBytes !== undefined;
}

/** Events waiting for an exporter (not yet taken) beyond its queue limits; 0 when within them. */
export function queueExcess(cursor: LogCursor, queue: QueuePolicy): number {
  const available = cursor.available();
  let excess = queue.maxEvents === undefined ? 0 : available - queue.maxEvents;
  if (queue.maxBytes !== undefined && available > 0) {
    const bytes = cursor.availableBytes();
    if (bytes > queue.maxBytes) excess = Math.max(excess, Math.ceil(((bytes - queue.maxBytes) / bytes) * available));
  }
  return Math.max(0, excess);
}

export interface OverflowOptions {
  readonly exporterId: string;
  readonly cursor: LogCursor;
  readonly queue: QueuePolicy;
  readonly batchSize: number;
  readonly cutter: BatchCutter;
  readonly window: CommitWindow;
  readonly nextAppend: () => Promise<void>;
  readonly deadLetter: (batch: Batch, reason: string, tally: Tally) => Promise<void>;
  readonly pipeline: string;
  /** A batch left the window (room may have appeared). */
  readonly onSettled: () => void;
}

/**
 * With `queue.whenFull: deadLetter`: moves the oldest waiting events past the queue's
 * limits to the exporter's dead letters (kept, replayable) so the pipeline's other
 * exporters keep flowing. They pass through the same commit window as sent batches.
 */
export async function shedOverflow(o: OverflowOptions, signal: AbortSignal): Promise<void> {
  const { maxEvents, maxBytes } = o.queue;
  const reason = `queue full: more than ${maxEvents !== undefined ? `${maxEvents} events` : `${maxBytes} bytes`} waiting for exporter "${o.exporterId}" (queue.whenFull: deadLetter)`;
  while (!signal.aborted && o.cutter.halted === undefined) {
    const excess = queueExcess(o.cursor, o.queue);
    if (excess === 0) {
      await wait(60_000, signal, o.nextAppend());
      continue;
    }
    const slice = await o.cutter.take(Math.min(excess, o.batchSize), Number.MAX_SAFE_INTEGER);
    if (slice === undefined) continue;
    const entry = o.window.open(slice);
    let finished = false;
    try {
      await o.deadLetter(createBatch({ lines: slice.lines, receivedAt: slice.receivedAt, firstSeq: slice.firstSeq, pipeline: o.pipeline }), reason, entry);
      finished = true;
    } finally {
      o.window.settle(entry, finished);
      o.onSettled();
    }
  }
}
