import { describe, expect, it } from 'vitest';
import type { FerryEvent } from '@ferry/sdk';
import { MemoryLog } from '../log/memory-log.js';
import { eventually } from '../testing/fixtures.js';
import { silentLogger } from '../telemetry/logger.js';
import { PipelineIngest } from './ingest.js';

const quiet = silentLogger();

/** An event whose text is mostly two-byte UTF-8 characters: about 231 bytes, but 131 UTF-16 code units. */
function wideEvent(n: number): FerryEvent {
  return { id: `evt_${String(n).padStart(8, '0')}`, type: 'grant.created', createdAt: '2026-03-01T12:00:00Z', data: { note: 'é'.repeat(100) } };
}

describe('the ingest and the log bound', () => {
  it('asks the log for room in the bytes the log counts (UTF-8), so the log never holds more than its bound', async () => {
    const line = JSON.stringify(wideEvent(0));
    const eventBytes = Buffer.byteLength(line) + 1;
    expect(eventBytes).toBeGreaterThan(line.length + 90);
    // Room for 35 events and most of a 36th: room enough for one more by its UTF-16 length.
    const fits = 35;
    const bound = fits * eventBytes + Math.floor((line.length + 1 + eventBytes) / 2);
    const log = new MemoryLog({ maxBytes: bound });
    // A reader that never commits: nothing leaves the log, so it fills to the bound and stays.
    log.cursor('never-commits');
    const ingest = new PipelineIngest('events', [], log, quiet);

    let accepted = 0;
    for (let i = 0; i < fits + 5; i++) void ingest.consume([wideEvent(i)]).then(() => accepted++, () => undefined);
    await eventually(() => accepted >= fits, `${fits} calls accepted (${accepted} so far)`);
    // The ingest runs its calls one after another as soon as there is room: a call measured
    // too small would be appended within these turns of the event loop.
    for (let turn = 0; turn < 10; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(accepted).toBe(fits);
    expect(log.retainedBytes).toBe(fits * eventBytes);
    await log.close();
  });
});
