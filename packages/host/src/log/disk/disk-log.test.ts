import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFile, open, readdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FerryEvent, Logger } from '@ferry/sdk';
import { DiskLog, type DiskLogOptions } from './disk-log.js';
import { encodeRecord, HEADER_BYTES } from './format.js';
import { LogGapError } from '../errors.js';
import { eventually, makeEvents, tempDirectory } from '../../testing/fixtures.js';
import { readJournals } from './cursor-journal.js';
import type { LogCursor } from '../types.js';

interface LoggedLine {
  level: string;
  message: string;
  fields: Record<string, unknown>;
}

function recordingLogger(lines: LoggedLine[]): Logger {
  const at = (level: string) => (message: string, fields: Readonly<Record<string, unknown>> = {}) => lines.push({ level, message, fields: { ...fields } });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

let dir: { path: string; cleanup: () => Promise<void> };
let logs: LoggedLine[];
const open_: DiskLog[] = [];

beforeEach(async () => {
  dir = await tempDirectory();
  logs = [];
});
afterEach(async () => {
  for (const log of open_.splice(0)) await log.close();
  await dir.cleanup();
});

async function openLog(overrides: Partial<DiskLogOptions> = {}): Promise<DiskLog> {
  const log = await DiskLog.open({
    directory: dir.path,
    fsync: 'batch',
    fsyncIntervalMs: 1000,
    maxBytes: 64 * 1024 * 1024,
    cacheBytes: 1024 * 1024,
    segmentBytes: 64 * 1024 * 1024,
    cursorNames: ['a', 'b'],
    logger: recordingLogger(logs),
    ...overrides,
  });
  open_.push(log);
  return log;
}

async function closeLog(log: DiskLog): Promise<void> {
  open_.splice(open_.indexOf(log), 1);
  await log.close();
}

async function append(log: DiskLog, events: FerryEvent[]): Promise<void> {
  await log.append(events, events.map((e) => JSON.stringify(e)));
}

async function readAll(cursor: LogCursor, max = 1000): Promise<string[]> {
  const out: string[] = [];
  for (let slice = await cursor.take(max, 1e9); slice !== undefined; slice = await cursor.take(max, 1e9)) out.push(...slice.lines);
  return out;
}

const DELIVERED = { delivered: 0, deadLettered: 0 };
const ids = (lines: string[]) => lines.map((l) => (JSON.parse(l) as FerryEvent).id);

async function segmentFiles(): Promise<string[]> {
  return (await readdir(join(dir.path, 'segments'))).sort().map((f) => join(dir.path, 'segments', f));
}

describe('the disk log', () => {
  it('resolves an append only once it is on disk, and hands it to every cursor', async () => {
    const log = await openLog();
    const a = log.cursor('a');
    const b = log.cursor('b');
    const events = makeEvents(5);
    await append(log, events);
    const [segment] = await segmentFiles();
    expect((await stat(segment!)).size).toBeGreaterThan(0);
    expect(await readAll(a)).toEqual(events.map((e) => JSON.stringify(e)));
    expect(await readAll(b)).toEqual(events.map((e) => JSON.stringify(e)));
  });

  it('groups concurrent appends into one write and keeps their order', async () => {
    const log = await openLog();
    const cursor = log.cursor('a');
    await Promise.all(Array.from({ length: 50 }, (_, i) => append(log, makeEvents(2, i * 2))));
    expect(ids(await readAll(cursor))).toEqual(makeEvents(100).map((e) => e.id));
    expect(log.endSeq).toBe(100);
  });

  it('resumes each cursor where it committed after a restart, reading from disk', async () => {
    let log = await openLog();
    let a = log.cursor('a');
    log.cursor('b');
    await append(log, makeEvents(30));
    const first = await a.take(10, 1e9);
    a.commit(first!.firstSeq + first!.lines.length, DELIVERED);
    await closeLog(log);

    log = await openLog();
    a = log.cursor('a');
    const b = log.cursor('b');
    expect(ids(await readAll(a))).toEqual(makeEvents(20, 10).map((e) => e.id));
    expect(ids(await readAll(b))).toEqual(makeEvents(30).map((e) => e.id));
    await append(log, makeEvents(5, 30));
    expect(ids(await readAll(a))).toEqual(makeEvents(5, 30).map((e) => e.id));
  });

  it('tells others a position a killed process would resume from (savedLedger): never ahead of the journal on disk, and caught up once written', async () => {
    const log = await openLog({ cursorNames: ['a'] });
    const a = log.cursor('a');
    await append(log, makeEvents(60));
    // What a restart after kill -9 reads: the journal as the kernel has it.
    const onDisk = async () => {
      const state = (await readJournals(join(dir.path, 'cursors'))).get('a')?.state;
      if (state === undefined || state === 'unreadable') throw new Error('no journal for a');
      return state.ledger;
    };
    for (let slice = await a.take(6, 1e9); slice !== undefined; slice = await a.take(6, 1e9)) {
      a.commit(slice.firstSeq + slice.lines.length, { delivered: slice.lines.length, deadLettered: 0 });
      const told = a.savedLedger;
      expect(told.committed).toBeLessThanOrEqual((await onDisk()).committed);
      if (a.available() === 0) break;
    }
    expect(a.ledger.committed).toBe(60);
    await eventually(async () => a.savedLedger.committed === 60, 'the last position written');
    expect(await onDisk()).toMatchObject({ committed: 60, delivered: 60 });
    expect(a.savedLedger).toEqual(a.ledger);
  });

  it('restores the processor state carried by the last append', async () => {
    let log = await openLog();
    await log.append(makeEvents(1), makeEvents(1).map((e) => JSON.stringify(e)), { integrity: { head: 'abc', seq: 1 } });
    await log.append(makeEvents(1, 1), makeEvents(1, 1).map((e) => JSON.stringify(e)), { integrity: { head: 'def', seq: 2 } });
    await closeLog(log);
    log = await openLog();
    expect(log.restoredState).toEqual({ integrity: { head: 'def', seq: 2 } });
  });

  it('cuts off a torn write at the end and keeps everything before it', async () => {
    let log = await openLog();
    await append(log, makeEvents(10));
    await closeLog(log);
    const [segment] = await segmentFiles();
    const torn = encodeRecord(10, Date.now(), makeEvents(3, 10).map((e) => JSON.stringify(e)), undefined);
    await appendFile(segment!, torn.subarray(0, torn.length - 7));
    const sizeBefore = (await stat(segment!)).size;

    log = await openLog({ cursorNames: ['a', 'b', 'new-reader-starts-at-end'] });
    expect(log.endSeq).toBe(10);
    expect((await stat(segment!)).size).toBe(sizeBefore - (torn.length - 7));
    expect(logs.some((l) => l.level === 'warn' && l.message.includes('incomplete write at the end'))).toBe(true);
    const cursor = log.cursor('new-reader-starts-at-end');
    await append(log, makeEvents(2, 10));
    expect(ids(await readAll(cursor))).toEqual(['evt_00000010', 'evt_00000011']);
  });

  it('skips a damaged record in the middle, reports it, and keeps every intact record around it', async () => {
    let log = await openLog();
    log.cursor('a');
    for (let i = 0; i < 5; i++) await append(log, makeEvents(4, i * 4));
    await closeLog(log);
    // Flip a byte inside the third record's payload.
    const [segment] = await segmentFiles();
    const bytes = await readFile(segment!);
    const recordLength = bytes.length / 5;
    const target = Math.floor(2 * recordLength + HEADER_BYTES + 40);
    const handle = await open(segment!, 'r+');
    await handle.write(Buffer.from([bytes[target]! ^ 0xff]), 0, 1, target);
    await handle.close();

    log = await openLog();
    expect(log.endSeq).toBe(20);
    const a = log.cursor('a');
    const read = ids(await readAll(a));
    expect(read).toEqual([...makeEvents(8), ...makeEvents(8, 12)].map((e) => e.id));
    const reports = logs.filter((l) => l.level === 'error' && l.message.includes('damaged record'));
    expect(reports.length).toBeGreaterThan(0);
    expect(reports.some((r) => r.fields.lostEvents === 4)).toBe(true);
  });

  it('counts the events a damaged record held as lost, in the cursor, its ledger and its saved losses', async () => {
    let log = await openLog({ cursorNames: ['a'] });
    log.cursor('a');
    for (let i = 0; i < 3; i++) await append(log, makeEvents(5, i * 5));
    await closeLog(log);
    const [segment] = await segmentFiles();
    const bytes = await readFile(segment!);
    const handle = await open(segment!, 'r+');
    const target = Math.floor(bytes.length / 3) + HEADER_BYTES + 30;
    await handle.write(Buffer.from([bytes[target]! ^ 0xff]), 0, 1, target);
    await handle.close();

    log = await openLog({ cursorNames: ['a'] });
    const a = log.cursor('a');
    expect(ids(await readAll(a))).toEqual([...makeEvents(5), ...makeEvents(5, 10)].map((e) => e.id));
    expect(a.lostToDamage).toBe(5);
    a.commit(15, { delivered: 10, deadLettered: 0 });
    expect(a.ledger).toEqual({ origin: 0, committed: 15, delivered: 10, deadLettered: 0, lost: 5 });
    await closeLog(log);
    const journal = await readFile(join(dir.path, 'cursors', 'a.cursor'), 'utf8');
    expect(journal).toContain('"loss":{"from":5,"to":10');
    log = await openLog({ cursorNames: ['a'] });
    expect(log.cursor('a').ledger).toEqual({ origin: 0, committed: 15, delivered: 10, deadLettered: 0, lost: 5 });
  });

  it('stops a cursor in front of events missing with no damage to account for them, and never commits past them', async () => {
    let log = await openLog({ segmentBytes: 2048, cursorNames: ['a'] });
    log.cursor('a');
    for (let i = 0; i < 40; i++) await append(log, makeEvents(5, i * 5));
    await closeLog(log);
    const files = await segmentFiles();
    expect(files.length).toBeGreaterThan(3);
    const removed = files[2]!;
    const from = Number(removed.slice(-24, -4));
    const to = Number(files[3]!.slice(-24, -4));
    await unlink(removed);

    log = await openLog({ segmentBytes: 2048, cursorNames: ['a'] });
    const a = log.cursor('a');
    const read: string[] = [];
    let failure: unknown;
    try {
      for (let slice = await a.take(7, 1e9); slice !== undefined; slice = await a.take(7, 1e9)) {
        read.push(...slice.lines);
        a.commit(slice.firstSeq + slice.lines.length, { delivered: slice.lines.length, deadLettered: 0 });
      }
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(LogGapError);
    expect(failure).toMatchObject({ from, to, code: 'FERRY_LOG_GAP' });
    expect(ids(read)).toEqual(makeEvents(from).map((e) => e.id));
    expect(a.committed).toBe(from);
    await expect(a.take(7, 1e9)).rejects.toBeInstanceOf(LogGapError);
    expect(a.available()).toBe(0);
    expect(a.committed).toBe(from);
  });

  it('cuts a batch taken before a restart the same way after it, though more events wait', async () => {
    let log = await openLog({ cursorNames: ['a'] });
    let a = log.cursor('a');
    await append(log, makeEvents(30));
    const first = (await a.take(10, 1e9))!;
    const second = (await a.take(7, 1e9))!;
    a.commit(first.firstSeq + first.lines.length, { delivered: 10, deadLettered: 0 });
    await closeLog(log);

    log = await openLog({ cursorNames: ['a'] });
    a = log.cursor('a');
    await append(log, makeEvents(50, 30));
    const again = (await a.take(1000, 1e9))!;
    expect({ firstSeq: again.firstSeq, lines: again.lines, receivedAt: again.receivedAt }).toEqual({ firstSeq: second.firstSeq, lines: second.lines, receivedAt: second.receivedAt });
    expect((await a.take(1000, 1e9))?.firstSeq).toBe(17);
    expect(ids(await readAll(a))).toEqual(makeEvents(50, 30).map((e) => e.id));
  });

  it('never refuses to open over garbage: a segment full of noise is skipped', async () => {
    let log = await openLog();
    log.cursor('a');
    await append(log, makeEvents(3));
    await closeLog(log);
    await writeFile(join(dir.path, 'segments', '00000000000000000001.seg'.replace('1.seg', '0000003.seg').slice(-24)), Buffer.alloc(5000, 0x41));
    log = await openLog();
    expect(ids(await readAll(log.cursor('a')))).toEqual(makeEvents(3).map((e) => e.id));
  });

  it('rolls segments and deletes those every cursor has passed', async () => {
    const log = await openLog({ segmentBytes: 64 * 1024, cursorNames: ['a'] });
    const a = log.cursor('a');
    for (let i = 0; i < 100; i++) await append(log, makeEvents(20, i * 20));
    expect((await segmentFiles()).length).toBeGreaterThan(2);
    const all = await readAll(a);
    expect(all).toHaveLength(2000);
    a.commit(2000, DELIVERED);
    await expect.poll(async () => (await segmentFiles()).length).toBe(1);
  });

  it('reads a backlog larger than its memory cache from disk, in order', async () => {
    let log = await openLog({ cacheBytes: 4096, segmentBytes: 256 * 1024, cursorNames: ['slow'] });
    log.cursor('slow');
    for (let i = 0; i < 100; i++) await append(log, makeEvents(50, i * 50));
    await closeLog(log);
    log = await openLog({ cacheBytes: 4096, segmentBytes: 256 * 1024, cursorNames: ['slow'] });
    const slow = log.cursor('slow');
    const read: string[] = [];
    for (let slice = await slow.take(777, 1e9); slice !== undefined; slice = await slow.take(777, 1e9)) {
      expect(slice.lines.length).toBeLessThanOrEqual(777);
      read.push(...slice.lines);
      slow.commit(slice.firstSeq + slice.lines.length, DELIVERED);
    }
    expect(ids(read)).toEqual(makeEvents(5000).map((e) => e.id));
  });

  it('counts the events a cursor reads back from the files, and none it takes from memory', async () => {
    // Each append is one record of 50 events, larger than the cache: only the newest stays in memory.
    let log = await openLog({ cacheBytes: 4096, segmentBytes: 256 * 1024, cursorNames: ['fast', 'slow'] });
    const fast = log.cursor('fast');
    const slow = log.cursor('slow');
    const fastRead: string[] = [];
    for (let i = 0; i < 100; i++) {
      await append(log, makeEvents(50, i * 50));
      fastRead.push(...(await readAll(fast)));
    }
    expect(ids(fastRead)).toEqual(makeEvents(5000).map((e) => e.id));
    expect(fast.readFromDisk).toBe(0);
    expect(ids(await readAll(slow))).toEqual(makeEvents(5000).map((e) => e.id));
    expect(slow.readFromDisk).toBe(4950);
    slow.commit(1000, DELIVERED);
    await closeLog(log);
    // After a restart nothing is in memory: the backlog comes from the files.
    log = await openLog({ cacheBytes: 4096, segmentBytes: 256 * 1024, cursorNames: ['fast', 'slow'] });
    const resumed = log.cursor('slow');
    expect(ids(await readAll(resumed))).toEqual(makeEvents(4000, 1000).map((e) => e.id));
    expect(resumed.readFromDisk).toBe(4000);
  });

  it('holds no recent records in memory while every exporter lags by more than the cache, and keeps them again once one has caught up, outage after outage', async () => {
    // 50 events of about 120 bytes an append: the cache holds about 6 appends.
    const log = await openLog({ cacheBytes: 40_000, segmentBytes: 64 * 1024, cursorNames: ['down'] });
    const down = log.cursor('down');
    let seq = 0;
    const appendMany = async (appends: number, read: boolean): Promise<string[]> => {
      const out: string[] = [];
      for (let i = 0; i < appends; i++, seq += 50) {
        await append(log, makeEvents(50, seq));
        if (read) out.push(...(await readAll(down)));
      }
      return out;
    };
    for (let outage = 0; outage < 4; outage++) {
      const from = seq;
      await appendMany(6, false);
      expect(log.cachedBytes).toBeGreaterThan(0);
      // The destination stays down: once the backlog is more than the cache can hold, nothing is kept.
      await appendMany(94, false);
      expect(log.cachedBytes).toBe(0);
      expect(ids(await readAll(down))).toEqual(makeEvents(5000, from).map((e) => e.id));
      expect(down.readFromDisk).toBe(5000 * (outage + 1));
      down.commit(seq, DELIVERED);
      // Caught up: what comes next is kept and taken from memory.
      const caughtUp = seq;
      expect(ids(await appendMany(20, true))).toEqual(makeEvents(1000, caughtUp).map((e) => e.id));
      expect(down.readFromDisk).toBe(5000 * (outage + 1));
      expect(log.cachedBytes).toBeGreaterThan(0);
      down.commit(seq, DELIVERED);
    }
    // Each outage crossed segment rolls (64 KiB segments, about 590 KB an outage).
    expect(log.segments[log.segments.length - 1]?.firstSeq).toBeGreaterThan(20_000);
    await closeLog(log);
  });

  it('keeps a restarted exporter from receiving events it had committed, and hands it the rest', async () => {
    let log = await openLog({ cursorNames: ['a'] });
    const a = log.cursor('a');
    await append(log, makeEvents(10));
    a.commit(6, DELIVERED);
    await closeLog(log);
    log = await openLog({ cursorNames: ['a'] });
    expect(ids(await readAll(log.cursor('a')))).toEqual(makeEvents(4, 6).map((e) => e.id));
  });

  it('drops the position of an exporter that is no longer configured, saying so', async () => {
    let log = await openLog({ cursorNames: ['a', 'gone'] });
    log.cursor('a');
    log.cursor('gone');
    await append(log, makeEvents(2));
    await closeLog(log);
    log = await openLog({ cursorNames: ['a'] });
    expect(logs.some((l) => l.message.includes('exporter "gone" is no longer configured'))).toBe(true);
  });

  it('pushes back when the bytes kept on disk reach the bound, and makes room as cursors commit', async () => {
    const log = await openLog({ maxBytes: 64 * 1024, segmentBytes: 64 * 1024, cursorNames: ['a'] });
    const a = log.cursor('a');
    while (log.hasRoom(4096)) await append(log, makeEvents(10, log.endSeq));
    let roomed = false;
    const waiting = log.room(4096).then(() => {
      roomed = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(roomed).toBe(false);
    const all = await readAll(a);
    a.commit(all.length, DELIVERED);
    await waiting;
    expect(roomed).toBe(true);
  });

  it('refuses a directory another live process holds, and takes over a lock left by a dead one', async () => {
    await writeFile(join(dir.path, 'LOCK'), String(process.ppid));
    await expect(openLog()).rejects.toThrow(`storage directory ${dir.path} is in use by another Ferry process (pid ${process.ppid})`);
    await writeFile(join(dir.path, 'LOCK'), '999999999');
    const log = await openLog();
    expect(log.endSeq).toBe(0);
  });
});

describe('processor state across segments', () => {
  it('survives a roll followed by every cursor passing the old segment', async () => {
    let log = await openLog({ segmentBytes: 64 * 1024, cursorNames: ['a'] });
    const a = log.cursor('a');
    // One append larger than a segment: the roll after it leaves a new segment with no events.
    const i = 1;
    await log.append(makeEvents(1000), makeEvents(1000).map((e) => JSON.stringify(e)), { chain: { seq: 0 } });
    await expect.poll(async () => (await segmentFiles()).length).toBe(2);
    const all = await readAll(a);
    a.commit(all.length, DELIVERED);
    await expect.poll(async () => (await segmentFiles()).length).toBe(1);
    await closeLog(log);
    log = await openLog({ segmentBytes: 64 * 1024, cursorNames: ['a'] });
    expect(log.restoredState).toEqual({ chain: { seq: i - 1 } });
    expect(log.endSeq).toBe(i * 1000);
  });
});
