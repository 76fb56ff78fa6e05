import type { LogCursor } from '../log/types.js';
import type { CommitWindow } from './commit-window.js';

/** When the oldest event an exporter has not finished was accepted, and how that is known. */
export interface OldestPending {
  /** ms since the epoch. */
  readonly receivedAt: number;
  /**
   * `exact`: read from the batch holding it or from memory. `batch-before`: it is only on
   * disk and no batch is out, so the time is the previous batch's (it is at most one batch
   * younger). `since-start`: nothing was read yet this run, so it is this run's start — the
   * event is older still.
   */
  readonly known: 'exact' | 'batch-before' | 'since-start';
}

/**
 * Where the lag gauge comes from. Records carry their acceptance time, but a disk cursor
 * knows it only for records still in memory; rather than read the disk to answer a scrape,
 * the lag of an event only on disk is taken from what is known around it, in the direction
 * stated by `known`. This lasts only until the exporter takes its next batch, at once
 * unless it is stopped in front of a gap.
 */
export function oldestPending(o: { queued: number; window: CommitWindow; cursor: LogCursor; startedAt: number; now: number; halted: boolean }): OldestPending | undefined {
  const { window, cursor } = o;
  if (o.queued <= 0) return undefined;
  const front = window.front;
  if (front !== undefined) return { receivedAt: front.receivedAt, known: 'exact' };
  const next = cursor.nextReceivedAt();
  if (next !== undefined && next > 0) return { receivedAt: next, known: 'exact' };
  // Nothing readable yet and not stopped in front of a gap: appended, not yet written (an fsync away).
  if (next === undefined && !o.halted) return { receivedAt: o.now, known: 'exact' };
  // Only on disk, or stopped in front of a gap: what is known around it.
  const before = window.lastReceivedAt;
  if (before !== undefined) return { receivedAt: before, known: 'batch-before' };
  return { receivedAt: o.startedAt, known: 'since-start' };
}

/** The gauge's value: seconds, never negative. */
export function lagSeconds(pending: OldestPending | undefined, now: number): number {
  return pending === undefined ? 0 : Math.max(0, now - pending.receivedAt) / 1000;
}
