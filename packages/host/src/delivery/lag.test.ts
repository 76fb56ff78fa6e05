import { describe, expect, it } from 'vitest';
import type { LogCursor, LogSlice } from '../log/types.js';
import { CommitWindow } from './commit-window.js';
import { lagSeconds, oldestPending } from './lag.js';

function cursor(next: number | undefined): LogCursor {
  return { nextReceivedAt: () => next, commit: () => {} } as unknown as LogCursor;
}

const pending = (queued: number, window: CommitWindow, c: LogCursor, startedAt: number, halted = false) => oldestPending({ queued, window, cursor: c, startedAt, now: 10_000, halted });

const slice = (firstSeq: number, receivedAt: number, count = 10): LogSlice => ({ firstSeq, receivedAt, lines: Array.from({ length: count }, () => '{}'), bytes: count * 3 });

describe('the lag of an exporter', () => {
  it('is 0 with nothing queued, and exact from the oldest batch out or from memory', () => {
    const window = new CommitWindow(cursor(undefined));
    expect(lagSeconds(pending(0, window, cursor(5_000), 0), 10_000)).toBe(0);
    expect(pending(5, window, cursor(4_000), 0)).toEqual({ receivedAt: 4_000, known: 'exact' });
    window.open(slice(0, 2_000));
    window.open(slice(10, 3_000));
    expect(pending(20, window, cursor(4_000), 0)).toEqual({ receivedAt: 2_000, known: 'exact' });
    expect(lagSeconds(pending(20, window, cursor(4_000), 0), 10_000)).toBe(8);
  });

  it('for an event only on disk with no batch out: the batch before it (at most one batch younger), or since the start (older still)', () => {
    const fresh = new CommitWindow(cursor(undefined));
    // A disk cursor answers 0 for an event it has only on disk.
    expect(pending(5, fresh, cursor(0), 1_000)).toEqual({ receivedAt: 1_000, known: 'since-start' });
    const window = new CommitWindow(cursor(undefined));
    const entry = window.open(slice(0, 6_000));
    window.settle(entry, true);
    expect(pending(5, window, cursor(0), 1_000)).toEqual({ receivedAt: 6_000, known: 'batch-before' });
    // Appended, not yet written: just accepted.
    expect(pending(5, window, cursor(undefined), 1_000)).toEqual({ receivedAt: 10_000, known: 'exact' });
    // Stopped in front of a gap, nothing readable: never a lag of 0 that would hide it.
    expect(pending(5, window, cursor(undefined), 1_000, true)).toEqual({ receivedAt: 6_000, known: 'batch-before' });
    expect(pending(5, fresh, cursor(undefined), 1_000, true)).toEqual({ receivedAt: 1_000, known: 'since-start' });
  });
});
