import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FerryEvent, JsonValue } from '@ferry/sdk';
import { conformanceCases, createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import dedup from './index.js';
import { Dedup } from './dedup.js';
import type { DedupConfig } from './config.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function storage(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-dedup-'));
  dirs.push(dir);
  return dir;
}

const event = (id: string, extra: Record<string, unknown> = {}): FerryEvent => ({ id, type: 't', createdAt: '2026-03-01T12:00:00Z', data: { ...extra } as never });

async function make(config: Partial<DedupConfig> = {}, dir?: string, clock?: { now: number }, state?: JsonValue): Promise<Dedup> {
  const ctx = createTestContext(resolveConfig(dedup.configSchema, config), dir ? { storageDirectory: dir } : {});
  const instance = new Dedup(ctx, clock ? () => clock.now : Date.now);
  if (state !== undefined) instance.restore(state);
  await instance.start();
  return instance;
}

const ids = (events: readonly FerryEvent[]) => events.map((e) => e.id);

describe('the dedup processor', () => {
  describe('SDK conformance', () => {
    for (const c of conformanceCases(dedup, { config: {}, invalidConfigs: [{ config: { maxIds: 0 }, because: 'maxIds must be at least 1' }] })) it(c.name, c.run);
  });

  it('drops ids seen before, across calls and within one, and returns the same objects', async () => {
    const d = await make();
    const batch = [event('a'), event('b'), event('a')];
    const kept = d.process(batch);
    expect(ids(kept)).toEqual(['a', 'b']);
    expect(kept[0]).toBe(batch[0]);
    expect(ids(d.process([event('b'), event('c')]))).toEqual(['c']);
    const untouched = [event('d')];
    expect(d.process(untouched)).toBe(untouched);
  });

  it('forgets ids older than the window', async () => {
    const clock = { now: 1_000_000 };
    const d = await make({ windowSeconds: 60 }, undefined, clock);
    d.process([event('a')]);
    clock.now += 59_000;
    expect(ids(d.process([event('a')]))).toEqual([]);
    clock.now += 2_000;
    expect(ids(d.process([event('a')]))).toEqual(['a']);
  });

  it('keeps memory bounded by maxIds, forgetting the oldest first', async () => {
    const d = await make({ maxIds: 3 });
    d.process(['1', '2', '3', '4'].map((i) => event(i)));
    expect(d.size).toBe(3);
    expect(ids(d.process([event('1'), event('4')]))).toEqual(['1']);
  });

  it('deduplicates on another field, and never drops an event it cannot identify', async () => {
    const d = await make({ key: 'data.deliveryId' });
    expect(ids(d.process([event('x', { deliveryId: 'd1' }), event('y', { deliveryId: 'd1' }), event('z')]))).toEqual(['x', 'z']);
    expect(ids(d.process([event('w')]))).toEqual(['w']);
  });

  it('remembers across a restart the ids the log accepted', async () => {
    const dir = await storage();
    const first = await make({}, dir);
    first.process([event('a'), event('b')]);
    const state = first.snapshot();
    await first.shutdown();
    const second = await make({}, dir, undefined, state);
    expect(ids(second.process([event('a'), event('c')]))).toEqual(['c']);
  });

  it('after a crash, forgets ids whose events never became durable, so their retry is accepted', async () => {
    const dir = await storage();
    const first = await make({}, dir);
    first.process([event('a')]);
    const durable = first.snapshot(); // the log's last record carries this
    first.process([event('b')]); // processed, but the process dies before the append
    // no shutdown: a kill -9
    const second = await make({}, dir, undefined, durable);
    expect(ids(second.process([event('b'), event('a')]))).toEqual(['b']);
  });

  it('starts empty when the log carries no state (nothing was ever accepted)', async () => {
    const dir = await storage();
    const first = await make({}, dir);
    first.process([event('a')]);
    const second = await make({}, dir);
    expect(ids(second.process([event('a')]))).toEqual(['a']);
  });

  it('compacts its file to the live ids and still restores from the log\'s position', async () => {
    const dir = await storage();
    const d = await make({ maxIds: 10 }, dir);
    for (let i = 0; i < 12_000; i++) d.process([event(`e${i}`)]);
    const state = d.snapshot() as { gen: number; bytes: number };
    expect(state.gen).toBeGreaterThan(1);
    expect((await readdir(dir)).filter((f) => f.startsWith('seen-')).length).toBeLessThanOrEqual(2);
    const again = await make({ maxIds: 10 }, dir, undefined, state);
    expect(ids(again.process([event('e11999'), event('e0')]))).toEqual(['e0']);
  });
});
