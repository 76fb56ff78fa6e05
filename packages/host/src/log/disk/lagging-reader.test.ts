import { afterEach, expect, it } from 'vitest';
import type { FerryEvent, Logger } from '@ferry/sdk';
import { DiskLog } from './disk-log.js';
import { makeEvents, tempDirectory } from '../../testing/fixtures.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const DELIVERED = { delivered: 0, deadLettered: 0 };
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

it('a cursor reading from disk while the active segment grows and rolls sees every event once, in order', async () => {
  const dir = await tempDirectory();
  cleanups.push(dir.cleanup);
  const log = await DiskLog.open({ directory: dir.path, fsync: 'batch', fsyncIntervalMs: 1000, maxBytes: 1024 ** 3, cacheBytes: 0, segmentBytes: 64 * 1024, cursorNames: ['slow'], logger: quiet });
  cleanups.push(() => log.close());
  const cursor = log.cursor('slow');
  const events = makeEvents(20_000);
  const seen: string[] = [];
  let appended = 0;
  const segmentsSeen = new Set<number>();
  while (appended < events.length || seen.length < appended) {
    if (appended < events.length) {
      const chunk = events.slice(appended, appended + 50);
      await log.append(chunk, chunk.map((e) => JSON.stringify(e)));
      appended += chunk.length;
    }
    for (const segment of log.segments) segmentsSeen.add(segment.firstSeq);
    const slice = await cursor.take(30, 1e9);
    if (slice === undefined) continue;
    expect(slice.firstSeq).toBe(seen.length);
    seen.push(...slice.lines.map((l) => (JSON.parse(l) as FerryEvent).id));
    cursor.commit(slice.firstSeq + slice.lines.length, DELIVERED);
  }
  expect(segmentsSeen.size).toBeGreaterThan(20);
  expect(seen).toEqual(events.map((e) => e.id));
});
