import { describe, expect, it } from 'vitest';
import { MemoryLog } from '../log/memory-log.js';
import { makeEvents } from '../testing/fixtures.js';
import { queueExcess, queueLimited } from './overflow.js';

describe('queue limits', () => {
  it('measure the excess over maxEvents and over maxBytes, whichever is larger, of events not yet taken', async () => {
    const log = new MemoryLog({ maxBytes: 1024 * 1024 });
    const cursor = log.cursor('x');
    const events = makeEvents(100);
    await log.append(events, events.map((e) => JSON.stringify(e)));
    const bytes = cursor.availableBytes();
    expect(queueExcess(cursor, { maxEvents: 60, whenFull: 'deadLetter' })).toBe(40);
    expect(queueExcess(cursor, { maxBytes: Math.floor(bytes / 4), whenFull: 'deadLetter' })).toBe(75);
    expect(queueExcess(cursor, { maxEvents: 90, maxBytes: Math.floor(bytes / 2), whenFull: 'block' })).toBe(50);
    await cursor.take(30, 1e9);
    expect(queueExcess(cursor, { maxEvents: 60, whenFull: 'deadLetter' })).toBe(10);
    expect(queueExcess(cursor, { maxEvents: 500, whenFull: 'deadLetter' })).toBe(0);
    expect(queueLimited({ whenFull: 'block' })).toBe(false);
  });
});
