import { describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { createBatch, type FerryEvent } from '@ferry/sdk';
import { archiveLines, encodeObject } from './object.js';

const events: FerryEvent[] = [
  { id: 'evt_1', type: 'grant.created', createdAt: '2026-03-01T12:00:00Z', data: { city: 'Zürich', note: '東京 🚀', quote: '"}' } },
  { id: 'evt_2', type: 'grant.created', createdAt: '2026-03-01T12:00:00Z', data: {}, ferry: { v: 1, seq: 9 } },
  { id: 'evt_3', type: 'token.issued', createdAt: '2026-03-01T12:00:01Z', data: { ascii: 'only' } },
];

describe('archive objects', () => {
  it('are the archive records, each followed by a newline, byte for byte — non-ASCII text and existing envelopes included', async () => {
    const batch = createBatch(events);
    const expected = `${archiveLines(batch).join('\n')}\n`;
    expect((await encodeObject(batch, 'none')).toString('utf8')).toBe(expected);
    expect(gunzipSync(await encodeObject(batch, 'gzip')).toString('utf8')).toBe(expected);
    expect(expected.split('\n').filter(Boolean).map((line) => JSON.parse(line) as FerryEvent)).toEqual([
      { ...events[0], ferry: { v: 1 } },
      events[1],
      { ...events[2], ferry: { v: 1 } },
    ]);
  });

  it('of an empty batch are empty', async () => {
    expect((await encodeObject(createBatch([]), 'none')).length).toBe(0);
  });
});
