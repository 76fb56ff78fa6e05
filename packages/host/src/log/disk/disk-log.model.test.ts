/**
 * Model-based randomized test of the disk log: random appends (some larger than a
 * segment), several cursors taking and committing at their own pace, clean reopens,
 * crashes (the directory as a kill -9 leaves it), torn tails and bytes corrupted in the
 * middle of segments — all with tiny segments and caches so every run crosses many rolls
 * and evictions. The invariant, against a plain array of what was appended: every cursor
 * sees every intact event once and in order (again only after a crash, from the position
 * it had saved, never behind the one it told other exporters), every event it does not
 * see is covered by a damage report naming a segment this test damaged, and a batch cut
 * before a reopen is cut the same way after it.
 *
 * Replay a failure with FERRY_MODEL_SEED=<seed> (and FERRY_MODEL_PATH=<path> for the shrunk case).
 */
import { afterAll, expect, it } from 'vitest';
import fc from 'fast-check';
import { cp, open, readdir, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { FerryEvent, Logger } from '@ferry/sdk';
import { DiskLog } from './disk-log.js';
import { encodeRecord } from './format.js';
import { SegmentScanner } from './scanner.js';
import type { LogCursor, LossRecord } from '../types.js';
import { tempDirectory } from '../../testing/fixtures.js';

const SEED = Number(process.env.FERRY_MODEL_SEED ?? Date.now() % 2 ** 31);
const PATH = process.env.FERRY_MODEL_PATH;
const RUNS = Number(process.env.FERRY_MODEL_RUNS ?? 250);
const CURSORS = ['a', 'b', 'c'] as const;
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

type Action =
  | { readonly kind: 'append'; readonly sizes: readonly number[] }
  | { readonly kind: 'take'; readonly cursor: number; readonly maxEvents: number; readonly maxBytes: number }
  | { readonly kind: 'commit'; readonly cursor: number; readonly batches: number }
  | { readonly kind: 'reopen' }
  | { readonly kind: 'crash'; readonly tornBytes: number | undefined }
  | { readonly kind: 'corrupt'; readonly segment: number; readonly at: number; readonly bytes: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('append' as const), sizes: fc.array(fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 300 }) }, { weight: 1, arbitrary: fc.integer({ min: 1000, max: 5000 }) }), { minLength: 1, maxLength: 12 }) }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('take' as const), cursor: fc.integer({ min: 0, max: 2 }), maxEvents: fc.integer({ min: 1, max: 40 }), maxBytes: fc.oneof(fc.integer({ min: 1, max: 3000 }), fc.constant(1e9)) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('commit' as const), cursor: fc.integer({ min: 0, max: 2 }), batches: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('crash' as const), tornBytes: fc.option(fc.integer({ min: 1, max: 400 }), { nil: undefined }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('corrupt' as const), segment: fc.nat(), at: fc.nat(), bytes: fc.integer({ min: 1, max: 64 }) }) },
);

const scenario = fc.record({
  segmentBytes: fc.integer({ min: 256, max: 6000 }),
  cacheBytes: fc.integer({ min: 0, max: 4000 }),
  actions: fc.array(action, { minLength: 5, maxLength: 60 }),
});

function line(seq: number, size: number): string {
  return JSON.stringify({ id: `evt_${seq}`, type: 'model.event', createdAt: '2026-12-02T00:00:00Z', data: { pad: 'x'.repeat(size) } });
}

function eventsFor(lines: readonly string[]): FerryEvent[] {
  return lines.map((l) => JSON.parse(l) as FerryEvent);
}

interface Taken {
  readonly from: number;
  readonly to: number;
}

/** What the test knows about one exporter's cursor. */
class CursorModel {
  /** Where the next take must start, once reported losses right here are passed. */
  readPosition = 0;
  committed = 0;
  readonly outstanding: Taken[] = [];
  /** Every batch cut, by where it starts: after a reopen the same cut is expected again. */
  readonly cuts = new Map<number, number>();
  /** Batches expected to be cut again, in order, after a reopen. */
  replay: Taken[] = [];
  readonly losses: LossRecord[] = [];
  /** A batch cut again came out shorter than before: damage must follow right after it. */
  mustLoseAt: number | undefined;
  /** seq → times handed out (committed ones count once; a crash forgets the uncommitted). */
  readonly seen = new Map<number, number>();
  readonly lost = new Set<number>();
}

class Harness {
  readonly lines: string[] = [];
  readonly models = CURSORS.map(() => new CursorModel());
  readonly damagedSegments = new Set<string>();
  log!: DiskLog;
  cursors: LogCursor[] = [];
  directory: string;
  segmentBytes: number;
  cacheBytes: number;
  generation = 0;

  constructor(directory: string, segmentBytes: number, cacheBytes: number) {
    this.directory = directory;
    this.segmentBytes = segmentBytes;
    this.cacheBytes = cacheBytes;
  }

  async open(): Promise<void> {
    this.log = await DiskLog.open({
      directory: this.directory,
      fsync: 'batch',
      fsyncIntervalMs: 1000,
      maxBytes: 1024 ** 3,
      cacheBytes: this.cacheBytes,
      segmentBytes: this.segmentBytes,
      cursorNames: [...CURSORS],
      logger: quiet,
      onDamage: (exporter, loss) => {
        if (loss.to > loss.from) this.models[CURSORS.indexOf(exporter as (typeof CURSORS)[number])]!.losses.push(loss);
      },
    });
    expect(this.log.endSeq).toBe(this.lines.length);
    this.cursors = CURSORS.map((name) => this.log.cursor(name));
  }

  /** After a reopen: each cursor resumes at a saved position, and expects its uncommitted cuts again. */
  resumed(clean: boolean): void {
    this.cursors.forEach((cursor, i) => {
      const model = this.models[i]!;
      const restored = cursor.committed;
      if (clean) expect(restored).toBe(model.committed);
      else expect(restored).toBeLessThanOrEqual(model.committed);
      // What was handed out at or after the restored position but is now uncommitted will be handed out again.
      for (const [seq] of model.seen) if (seq >= restored) model.seen.delete(seq);
      for (const seq of model.lost) if (seq >= restored) model.lost.delete(seq);
      model.losses.length = 0;
      model.committed = restored;
      model.readPosition = restored;
      model.outstanding.length = 0;
      model.replay = [];
      model.mustLoseAt = undefined;
      for (let at = restored, to = model.cuts.get(at); to !== undefined && to <= this.lines.length; at = to, to = model.cuts.get(at)) model.replay.push({ from: at, to });
    });
  }

  async append(sizes: readonly number[]): Promise<void> {
    const first = this.lines.length;
    const lines = sizes.map((size, i) => line(first + i, size));
    this.lines.push(...lines);
    await this.log.append(eventsFor(lines), lines);
  }

  /** Passes losses reported at the model's read position (exactly where damage was reported, nowhere else). */
  #passLosses(model: CursorModel): void {
    for (let loss = model.losses.find((l) => l.from === model.readPosition); loss !== undefined; loss = model.losses.find((l) => l.from === model.readPosition)) {
      expect(loss.stretches.length).toBeGreaterThan(0);
      for (const stretch of loss.stretches) expect(this.damagedSegments.has(basename(stretch.segment))).toBe(true);
      for (let seq = loss.from; seq < loss.to; seq++) model.lost.add(seq);
      model.readPosition = loss.to;
      this.#passCommittedLosses(model);
    }
  }

  #passCommittedLosses(model: CursorModel): void {
    if (model.outstanding.length > 0) return;
    model.committed = model.readPosition;
  }

  async take(index: number, maxEvents: number, maxBytes: number): Promise<void> {
    const model = this.models[index]!;
    const slice = await this.cursors[index]!.take(maxEvents, maxBytes);
    this.#passLosses(model);
    if (model.mustLoseAt !== undefined) {
      expect(model.lost.has(model.mustLoseAt), `a re-cut batch ended early at ${model.mustLoseAt} without damage there`).toBe(true);
      model.mustLoseAt = undefined;
    }
    if (slice === undefined) {
      expect(model.readPosition).toBe(this.lines.length);
      return;
    }
    expect(slice.firstSeq).toBe(model.readPosition);
    const to = slice.firstSeq + slice.lines.length;
    expect(slice.lines).toEqual(this.lines.slice(slice.firstSeq, to));
    expect(slice.lines.length).toBeLessThanOrEqual(maxEvents);
    if (slice.lines.length > 1) expect(slice.bytes).toBeLessThanOrEqual(maxBytes);
    const expected = model.replay.shift();
    if (expected !== undefined) {
      const bytes = this.lines.slice(expected.from, expected.to).reduce((sum, l) => sum + Buffer.byteLength(l) + 1, 0);
      const fits = expected.to - expected.from <= maxEvents && bytes <= maxBytes;
      if (fits && expected.from === slice.firstSeq && to < expected.to && this.damagedSegments.size > 0) {
        // Damage inside the batch: it ends where the damage begins, and the next take passes it.
        model.mustLoseAt = to;
        model.replay = [];
      } else if (fits && expected.from === slice.firstSeq) expect({ from: slice.firstSeq, to }).toEqual(expected);
      else model.replay = [];
    }
    for (let seq = slice.firstSeq; seq < to; seq++) {
      expect(model.seen.has(seq)).toBe(false);
      expect(model.lost.has(seq)).toBe(false);
      model.seen.set(seq, 1);
    }
    // A new cut supersedes every cut from here on, as the journal does.
    for (const at of [...model.cuts.keys()]) if (at >= slice.firstSeq) model.cuts.delete(at);
    model.cuts.set(slice.firstSeq, to);
    model.readPosition = to;
    model.outstanding.push({ from: slice.firstSeq, to });
  }

  commit(index: number, batches: number): void {
    const model = this.models[index]!;
    const done = model.outstanding.splice(0, batches);
    if (done.length === 0) return;
    const upTo = (done[done.length - 1] as Taken).to;
    this.cursors[index]!.commit(upTo, { delivered: done.reduce((n, t) => n + t.to - t.from, 0), deadLettered: 0 });
    model.committed = upTo;
    // Losses right after the commit are passed with it.
    for (let loss = model.losses.find((l) => l.from === model.committed); loss !== undefined && loss.to <= model.readPosition; loss = model.losses.find((l) => l.from === model.committed)) {
      model.committed = loss.to;
    }
    expect(this.cursors[index]!.committed).toBe(model.committed);
  }

  async reopen(): Promise<void> {
    await this.log.close();
    await this.open();
    this.resumed(true);
  }

  /** The directory as a kill -9 leaves it (every completed write is there), optionally with a write torn at the end. */
  async crash(tornBytes: number | undefined): Promise<void> {
    const copy = `${this.directory}-${++this.generation}`;
    // What each cursor told other exporters (ctx.progress) before the kill: it must resume there or further on.
    const told = this.cursors.map((cursor) => cursor.savedLedger.committed);
    await cp(this.directory, copy, { recursive: true });
    await this.log.close();
    await rm(this.directory, { recursive: true, force: true });
    this.directory = copy;
    if (tornBytes !== undefined) {
      // A write that never completed (so was never acknowledged): part of the next record.
      const [newest] = (await this.segmentFiles()).slice(-1);
      const record = encodeRecord(this.lines.length, Date.now(), [line(this.lines.length, 50), line(this.lines.length + 1, 50)], undefined);
      const handle = await open(newest!, 'a');
      await handle.write(record.subarray(0, Math.min(tornBytes, record.length - 1)));
      await handle.close();
    }
    await this.open();
    this.cursors.forEach((cursor, i) => expect(cursor.committed).toBeGreaterThanOrEqual(told[i]!));
    this.resumed(false);
  }

  /** Corrupts bytes inside an intact record that is not the very last one written (that one cannot be told from a torn write). */
  async corrupt(segmentPick: number, atPick: number, bytes: number): Promise<void> {
    await this.log.close();
    const files = await this.segmentFiles();
    const candidates: Array<{ file: string; offset: number; length: number }> = [];
    for (const [i, file] of files.entries()) {
      const size = (await stat(file)).size;
      const handle = await open(file, 'r');
      const scanner = new SegmentScanner(handle, 0, () => size);
      const records: Array<{ offset: number; length: number }> = [];
      for (let item = await scanner.next(() => false); item !== undefined; item = await scanner.next(() => false)) records.push(item);
      await handle.close();
      if (i === files.length - 1) records.pop();
      candidates.push(...records.map((r) => ({ file, ...r })));
    }
    if (candidates.length > 0) {
      const target = candidates[segmentPick % candidates.length]!;
      const offset = target.offset + (atPick % target.length);
      const length = Math.min(bytes, target.offset + target.length - offset);
      const handle = await open(target.file, 'r+');
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, offset);
      for (let i = 0; i < length; i++) buffer[i] = (buffer[i] as number) ^ 0xa5;
      await handle.write(buffer, 0, length, offset);
      await handle.close();
      this.damagedSegments.add(basename(target.file));
    }
    await this.open();
    this.resumed(true);
  }

  async segmentFiles(): Promise<string[]> {
    const dir = join(this.directory, 'segments');
    return (await readdir(dir)).filter((f) => f.endsWith('.seg')).sort().map((f) => join(dir, f));
  }

  /** Reads every cursor to the end and commits it; then each must have seen or lost every event once. */
  async drain(): Promise<void> {
    for (let i = 0; i < CURSORS.length; i++) {
      const model = this.models[i]!;
      for (let guard = 0; model.readPosition < this.lines.length; guard++) {
        expect(guard).toBeLessThan(this.lines.length + 10);
        await this.take(i, 50, 1e9);
      }
      this.commit(i, Number.MAX_SAFE_INTEGER);
      this.#passLosses(model);
      for (let seq = 0; seq < this.lines.length; seq++) {
        const seen = model.seen.has(seq);
        const lost = model.lost.has(seq);
        expect(seen !== lost, `cursor ${CURSORS[i]}: event ${seq} ${seen ? 'seen and lost' : 'neither seen nor covered by a damage report'}`).toBe(true);
      }
      if (this.damagedSegments.size === 0) expect(model.lost.size).toBe(0);
      const ledger = this.cursors[i]!.ledger;
      expect(ledger.committed).toBe(this.lines.length);
    }
  }
}

const directories: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of directories) await cleanup();
});

it(`every cursor sees every intact event once, in order, across rolls, evictions, reopens, crashes and damage (fast-check seed ${SEED})`, async () => {
  await fc.assert(
    fc.asyncProperty(scenario, async ({ segmentBytes, cacheBytes, actions }) => {
      const dir = await tempDirectory('ferry-model-');
      const harness = new Harness(dir.path, segmentBytes, cacheBytes);
      try {
        await harness.open();
        harness.resumed(true);
        for (const a of actions) {
          if (a.kind === 'append') await harness.append(a.sizes);
          else if (a.kind === 'take') await harness.take(a.cursor, a.maxEvents, a.maxBytes);
          else if (a.kind === 'commit') harness.commit(a.cursor, a.batches);
          else if (a.kind === 'reopen') await harness.reopen();
          else if (a.kind === 'crash') await harness.crash(a.tornBytes);
          else await harness.corrupt(a.segment, a.at, a.bytes);
        }
        await harness.drain();
      } finally {
        await harness.log.close().catch(() => undefined);
        await rm(harness.directory, { recursive: true, force: true });
        await dir.cleanup();
      }
    }),
    { seed: SEED, numRuns: RUNS, ...(PATH === undefined ? {} : { path: PATH }), endOnFailure: false },
  );
}, 180_000);
