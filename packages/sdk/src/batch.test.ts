import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { createBatch } from './batch.js';
import type { FerryEvent } from './event.js';

const events: FerryEvent[] = [
  { id: 'evt_1', type: 'grant.created', createdAt: '2026-03-01T12:00:00Z', data: { city: 'Zürich', note: '東京 🚀' } },
  { id: 'evt_2', type: 'token.issued', createdAt: '2026-03-01T12:00:01Z', data: { ascii: 'only' } },
];

describe('a batch as NDJSON', () => {
  it('is every line followed by a newline, in UTF-8, with its byte size and a content id to match', () => {
    const batch = createBatch(events);
    const expected = Buffer.from(`${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
    expect(batch.ndjson().equals(expected)).toBe(true);
    expect(batch.bytes).toBe(expected.length);
    expect(batch.id).toBe(createHash('sha256').update(expected).digest('hex'));
    expect(batch.select([1]).ndjson().toString()).toBe(`${JSON.stringify(events[1])}\n`);
  });

  it('has the same content id whether or not its body was built first', () => {
    const expected = createHash('sha256').update(Buffer.from(`${events.map((e) => JSON.stringify(e)).join('\n')}\n`)).digest('hex');
    expect(createBatch(events).id).toBe(expected);
    expect(createBatch({ lines: events.map((e) => JSON.stringify(e)) }).select([0, 1]).id).toBe(expected);
  });

  it('is empty for an empty batch', () => {
    expect(createBatch([]).ndjson().length).toBe(0);
    expect(createBatch([]).bytes).toBe(0);
  });
});

describe('selecting from a batch', () => {
  it('keeps the chosen events, their texts and their places in the log', () => {
    const batch = createBatch({ events, firstSeq: 10, pipeline: 'p' });
    const one = batch.select([1]);
    expect([one.count, one.lines[0], one.seq(0)]).toEqual([1, JSON.stringify(events[1]), 11]);
    expect(batch.select([1, 0]).select([1]).seq(0)).toBe(10);
  });

  it('refuses an index the batch does not hold, one that is not an integer, and one given twice', () => {
    const batch = createBatch(events);
    for (const bad of [[2], [-1], [0.5], [Number.NaN], [0, 0]]) expect(() => batch.select(bad)).toThrow(RangeError);
    expect(() => batch.select([5])).toThrow('batch.select: 5 is not an index of this batch of 2 events');
    expect(() => batch.select([1, 1])).toThrow('batch.select: index 1 is given twice');
    expect(batch.select([]).count).toBe(0);
  });
});
