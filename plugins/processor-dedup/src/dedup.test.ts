import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FerryEvent, JsonValue } from '@ferry/sdk';
import { conformanceCases, createTestContext, resolveConfig, type TestContext } from '@ferry/sdk/testkit';
import { DiskLog, silentLogger } from '@ferry/host/internal';
import dedup from './index.js';
import { Dedup } from './dedup.js';
import type { DedupConfig } from './config.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-dedup-'));
  dirs.push(dir);
  return dir;
}

const event = (id: string, data: Record<string, JsonValue> = {}): FerryEvent => ({ id, type: 'grant.created', createdAt: '2026-03-01T12:00:00Z', data });
const ids = (events: readonly FerryEvent[]) => events.map((e) => e.id);

interface Made {
  readonly dedup: Dedup;
  readonly ctx: TestContext<DedupConfig>;
}

/** Creates, restores (as the host does, from the log's last record) and starts an instance. */
async function make(config: Partial<DedupConfig> = {}, options: { dir?: string; clock?: { now: number }; state?: JsonValue } = {}): Promise<Made> {
  const ctx = createTestContext(resolveConfig(dedup.configSchema, config), options.dir ? { storageDirectory: options.dir } : {});
  const clock = options.clock;
  const instance = new Dedup(ctx, clock ? () => clock.now : Date.now);
  if (options.state !== undefined) instance.restore(options.state);
  await instance.start();
  return { dedup: instance, ctx };
}

/** What the host's pipeline does with one receiver call: process, then append the kept events with the snapshot. */
function accept(d: Dedup, events: readonly FerryEvent[]): { kept: readonly FerryEvent[]; state: JsonValue | undefined } {
  const kept = d.process(events);
  return { kept, state: kept.length > 0 ? d.snapshot() : undefined };
}

describe('the dedup processor', () => {
  describe('SDK conformance (memory only)', () => {
    for (const c of conformanceCases(dedup, {
      config: {},
      invalidConfigs: [
        { config: { maxIds: 0 }, because: 'maxIds must be at least 1' },
        { config: { windowSeconds: 0 }, because: 'windowSeconds must be at least 1' },
        { config: { key: '' }, because: 'the key path is empty' },
      ],
    })) it(c.name, c.run);
  });

  describe('SDK conformance (with storage)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-dedup-conformance-'));
    dirs.push(dir);
    for (const c of conformanceCases(dedup, { config: {}, storageDirectory: dir })) it(c.name, c.run);
  });

  it('drops ids seen before, across calls and within one, and returns the same objects', async () => {
    const { dedup: d } = await make();
    const batch = [event('a'), event('b'), event('a')];
    const { kept } = accept(d, batch);
    expect(ids(kept)).toEqual(['a', 'b']);
    expect(kept[0]).toBe(batch[0]);
    expect(kept[1]).toBe(batch[1]);
    expect(ids(accept(d, [event('b'), event('c'), event('c')]).kept)).toEqual(['c']);
    const untouched = [event('d')];
    expect(d.process(untouched)).toBe(untouched);
  });

  it('forgets ids older than the window', async () => {
    const clock = { now: 1_000_000 };
    const { dedup: d } = await make({ windowSeconds: 60 }, { clock });
    accept(d, [event('a')]);
    clock.now += 59_000;
    expect(ids(accept(d, [event('a')]).kept)).toEqual([]);
    clock.now += 2_000;
    expect(ids(accept(d, [event('a')]).kept)).toEqual(['a']);
    expect(d.size).toBe(1);
  });

  it('keeps memory bounded by maxIds, forgetting the oldest first', async () => {
    const { dedup: d } = await make({ maxIds: 3 });
    accept(d, ['1', '2', '3', '4'].map((i) => event(i)));
    expect(d.size).toBe(3);
    expect(ids(accept(d, [event('4'), event('3'), event('2'), event('1')]).kept)).toEqual(['1']);
    expect(d.size).toBe(3);
  });

  it('deduplicates on another field, and never drops an event it cannot identify', async () => {
    const { dedup: d } = await make({ key: 'data.deliveryId' });
    const kept = accept(d, [event('x', { deliveryId: 'd1' }), event('y', { deliveryId: 'd1' }), event('z'), event('n', { deliveryId: 7 }), event('m', { deliveryId: 7 })]).kept;
    expect(ids(kept)).toEqual(['x', 'z', 'n']);
    expect(ids(accept(d, [event('w'), event('w')]).kept)).toEqual(['w', 'w']);
  });

  it('withdraws the ids of a call whose events were not appended, so the sender\'s retry is kept', async () => {
    const { dedup: d } = await make();
    accept(d, [event('a')]);
    // A later processor failed: the host never appended these, nor called snapshot.
    expect(ids(d.process([event('b'), event('c')]))).toEqual(['b', 'c']);
    expect(ids(accept(d, [event('c'), event('a')]).kept)).toEqual(['c']);
    expect(ids(accept(d, [event('b'), event('c')]).kept)).toEqual(['b']);
  });

  it('never writes the ids of a call whose events were not appended, so a restart does not remember them either', async () => {
    const dir = tempDir();
    const first = await make({}, { dir });
    first.dedup.process([event('x')]); // never appended
    const { state } = accept(first.dedup, [event('y')]);
    await first.dedup.shutdown();
    const second = await make({}, { dir, state });
    expect(ids(accept(second.dedup, [event('x'), event('y')]).kept)).toEqual(['x']);
  });

  it('remembers across a restart the ids the log accepted', async () => {
    const dir = tempDir();
    const first = await make({}, { dir });
    accept(first.dedup, [event('a'), event('b')]);
    const { state } = accept(first.dedup, [event('c')]);
    await first.dedup.shutdown();
    const second = await make({}, { dir, state });
    expect(ids(accept(second.dedup, [event('a'), event('b'), event('c'), event('d')]).kept)).toEqual(['d']);
    expect(second.ctx.logs.some((l) => l.message === 'dedup state loaded' && l.fields.rememberedIds === 3)).toBe(true);
  });

  it('survives a crash: a second instance on the same directory, without shutdown of the first, knows the accepted ids and forgets the rest', async () => {
    const dir = tempDir();
    const first = await make({}, { dir });
    accept(first.dedup, [event('a')]);
    const { state: durable } = accept(first.dedup, [event('b')]); // the log's last durable record carries this
    accept(first.dedup, [event('c')]); // appended, but the process dies before the log's fsync
    // no shutdown: kill -9
    const second = await make({}, { dir, state: durable });
    expect(ids(accept(second.dedup, [event('a'), event('b'), event('c')]).kept)).toEqual(['c']);
  });

  it('starts empty when the log carries no state (nothing it holds was ever accepted)', async () => {
    const dir = tempDir();
    const first = await make({}, { dir });
    accept(first.dedup, [event('a')]);
    const second = await make({}, { dir });
    expect(ids(accept(second.dedup, [event('a')]).kept)).toEqual(['a']);
  });

  it('forgets everything at a restart without storage (memory only)', async () => {
    const first = await make();
    const { state } = accept(first.dedup, [event('a')]);
    expect(state).toBeNull();
    const second = await make({}, { state: state ?? null });
    expect(ids(accept(second.dedup, [event('a')]).kept)).toEqual(['a']);
  });

  it('compacts its file to the live ids, and restores from a position in the compacted file', async () => {
    const dir = tempDir();
    const { dedup: d } = await make({ maxIds: 10 }, { dir });
    let state: JsonValue | undefined;
    for (let i = 0; i < 25_000; i++) state = accept(d, [event(`e${i}`)]).state;
    const position = state as { gen: number; bytes: number };
    expect(position.gen).toBeGreaterThan(2);
    // The current generation and the one before it, nothing older.
    expect(readdirSync(dir).sort()).toEqual([`seen-${position.gen - 1}.log`, `seen-${position.gen}.log`]);
    const lines = readFileSync(join(dir, `seen-${position.gen}.log`), 'utf8').split('\n').length - 1;
    expect(lines).toBeLessThan(2 * 10 + 10_001);
    const again = await make({ maxIds: 10 }, { dir, state: position });
    expect(again.dedup.size).toBe(10);
    expect(ids(accept(again.dedup, [event('e24999'), event('e24990'), event('e24989')]).kept)).toEqual(['e24989']);
    expect(readdirSync(dir)).toEqual([`seen-${position.gen}.log`]);
  });

  it('skips unreadable lines (a power loss can leave zeros) instead of failing to start', async () => {
    const dir = tempDir();
    const first = await make({}, { dir });
    accept(first.dedup, [event('a')]);
    const { state } = accept(first.dedup, [event('b')]);
    await first.dedup.shutdown();
    const position = state as { gen: number; bytes: number };
    const file = join(dir, `seen-${position.gen}.log`);
    const text = readFileSync(file);
    const firstLine = text.indexOf(0x0a) + 1;
    // The second line's bytes lost to zeros, then a third line whose position the log recorded.
    writeFileSync(file, Buffer.concat([text.subarray(0, firstLine), Buffer.alloc(text.length - firstLine - 1), Buffer.from('\n')]));
    appendFileSync(file, `${Date.now()}\t"c"\n`);
    const second = await make({}, { dir, state: { gen: position.gen, bytes: readFileSync(file).length } });
    expect(ids(accept(second.dedup, [event('a'), event('b'), event('c')]).kept)).toEqual(['b']);
    expect(second.ctx.logs.some((l) => l.level === 'warn' && l.fields.skipped === 1)).toBe(true);
  });

  it('keeps deduplicating in memory when its file cannot be written', async () => {
    const dir = tempDir();
    const { dedup: d, ctx } = await make({ maxIds: 10 }, { dir });
    // The next compaction writes to a full disk.
    const gen = (accept(d, [event('x')]).state as { gen: number }).gen;
    symlinkSync('/dev/full', join(dir, `seen-${gen + 1}.log.tmp`));
    for (let i = 0; i < 10_030; i++) accept(d, [event(`e${i}`)]);
    expect(ids(accept(d, [event('e10029'), event('new')]).kept)).toEqual(['new']);
    const errors = ctx.logs.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.fields.error).toBe('ENOSPC');
  });

  it('keeps its state in step with the host\'s real durable log across a crash', async () => {
    const storage = tempDir();
    const logOptions = { directory: join(storage, 'log'), fsync: 'batch' as const, fsyncIntervalMs: 1000, maxBytes: 1 << 30, cacheBytes: 1 << 20, segmentBytes: 1 << 20, cursorNames: [], logger: silentLogger() };
    const dedupDir = join(storage, 'dedup');
    const log = await DiskLog.open(logOptions);
    const first = await make({}, { dir: dedupDir });
    // The pipeline's step, as PipelineIngest does it: process, then append with the snapshot.
    const ingest = async (events: FerryEvent[]) => {
      const kept = first.dedup.process(events);
      if (kept.length > 0) await log.append(kept, kept.map((e) => JSON.stringify(e)), { dedup: first.dedup.snapshot() });
    };
    await ingest([event('a'), event('b')]);
    await ingest([event('b'), event('c')]);
    first.dedup.process([event('d')]); // processed; the process dies before the append
    await log.close(); // what kill -9 leaves: every record written so far, nothing more

    const reopened = await DiskLog.open(logOptions);
    const second = await make({}, { dir: dedupDir, state: reopened.restoredState?.dedup });
    expect(ids(accept(second.dedup, [event('a'), event('b'), event('c'), event('d')]).kept)).toEqual(['d']);
    await reopened.close();
  });
});
