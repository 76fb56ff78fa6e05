import { describe, expect, it } from 'vitest';
import { MemoryLog } from '../log/memory-log.js';
import { makeEvents } from '../testing/fixtures.js';
import { CommitWindow } from './commit-window.js';

async function logWith(count: number) {
  const log = new MemoryLog({ maxBytes: 1024 * 1024 });
  const cursor = log.cursor('x');
  const events = makeEvents(count);
  await log.append(events, events.map((e) => JSON.stringify(e)));
  return { log, cursor };
}

describe('the commit window', () => {
  it('commits only past a run of finished batches from the front, whatever order they finish in, with their outcomes', async () => {
    const { cursor } = await logWith(9);
    const window = new CommitWindow(cursor);
    const [a, b, c] = [window.open((await cursor.take(3, 1e9))!), window.open((await cursor.take(3, 1e9))!), window.open((await cursor.take(3, 1e9))!)];
    c.delivered = 3;
    window.settle(c, true);
    b.delivered = 2;
    b.deadLettered = 1;
    window.settle(b, true);
    expect(cursor.committed).toBe(0);
    expect(window.finishedAhead).toBe(6);
    a.delivered = 3;
    window.settle(a, true);
    expect(cursor.committed).toBe(9);
    expect(cursor.ledger).toMatchObject({ committed: 9, delivered: 8, deadLettered: 1 });
    expect(window.finishedAhead).toBe(0);
    expect(window.allSettled).toBe(true);
  });

  it('never passes a batch abandoned at stop: everything from it on is sent again next time', async () => {
    const { cursor } = await logWith(6);
    const window = new CommitWindow(cursor);
    const a = window.open((await cursor.take(3, 1e9))!);
    const b = window.open((await cursor.take(3, 1e9))!);
    b.delivered = 3;
    window.settle(b, true);
    window.settle(a, false);
    expect(cursor.committed).toBe(0);
    expect(window.allSettled).toBe(true);
  });
});
