import { describe, expect, it } from 'vitest';
import { RecentIds } from './recent-ids.js';

const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `evt_${from + i}`);
const added = (recent: RecentIds, all: readonly string[]) => all.filter((id) => recent.add(id));

describe('RecentIds', () => {
  it('drops ids replayed after a reconnect, and a replayed id given twice, then hands on what is new', () => {
    const recent = new RecentIds(100);
    expect(added(recent, ids(0, 50))).toEqual(ids(0, 50));
    recent.reconnected();
    expect(added(recent, [...ids(40, 50), 'evt_60', 'evt_60', ...ids(50, 55)])).toEqual(['evt_60', ...ids(50, 55)]);
  });

  it('remembers only the last `capacity` ids: an older one replayed is handed on again', () => {
    const recent = new RecentIds(10);
    added(recent, ids(0, 25));
    recent.reconnected();
    expect(added(recent, ids(10, 20))).toEqual(ids(10, 15));
  });

  it('checks the first `capacity` events of a connection only, and nothing on the first connection', () => {
    const recent = new RecentIds(5);
    expect(added(recent, ['evt_1', 'evt_1'])).toEqual(['evt_1', 'evt_1']);
    added(recent, ids(0, 5));
    recent.reconnected();
    expect(added(recent, [...ids(5, 10), 'evt_0'])).toEqual([...ids(5, 10), 'evt_0']);
  });

  it('checks nothing with a capacity of 0', () => {
    const recent = new RecentIds(0);
    added(recent, ids(0, 5));
    recent.reconnected();
    expect(added(recent, ids(0, 5))).toEqual(ids(0, 5));
  });
});
