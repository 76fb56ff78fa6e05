import { describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { createBatch, decodeEvent, type FerryEvent } from '@ferry/sdk';
import { archiveLines, archivePieces, encodeObject } from './object.js';

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
      { ...events[0], ferry: { v: 3 } },
      events[1],
      { ...events[2], ferry: { v: 3 } },
    ]);
  });

  it("are the source's text with the envelope added: integers beyond 2^53, integer-like keys and escapes untouched", async () => {
    const text = '{"id":"evt_9","type":"grant.created","createdAt":"2026-03-01T12:00:00Z","data":{"b":1,"10":"ten","2":"two","big":12345678901234567890,"e":"caf\\u00e9 café"}}';
    const decoded = decodeEvent(text);
    if (!decoded.ok) throw new Error(decoded.problem);
    const body = (await encodeObject(createBatch([decoded.event]), 'none')).toString('utf8');
    expect(body).toBe(`${text.slice(0, -1)},"ferry":{"v":3}}\n`);
    expect(JSON.stringify(decoded.event)).not.toBe(text); // what re-serializing would have written
  });

  it('of an empty batch are empty', async () => {
    expect((await encodeObject(createBatch([]), 'none')).length).toBe(0);
  });
});

describe('archive objects in pieces', () => {
  const concat = (batch: ReturnType<typeof createBatch>, scratch: Buffer) => {
    const pieces: string[] = [];
    for (const piece of archivePieces(batch, scratch)) {
      // Each piece is read before the next is asked for, as a writer does: later pieces reuse the buffer.
      pieces.push(piece.toString('utf8'));
      if (piece.buffer !== scratch.buffer) expect(piece.length).toBeGreaterThan(scratch.length);
      else expect(piece.length).toBeLessThanOrEqual(scratch.length);
    }
    return pieces;
  };

  it('are, joined, the bytes of the whole object, for every buffer size from smaller than a record to larger than the object', async () => {
    const many: FerryEvent[] = Array.from({ length: 200 }, (_, i) => ({ ...(events[i % 3] as FerryEvent), id: `evt_${i}`, data: { n: i, pad: 'é'.repeat(i % 50) } }));
    const batch = createBatch(many);
    const whole = (await encodeObject(batch, 'none')).toString('utf8');
    for (const size of [16, 100, 257, 1024, 4096, 1 << 20]) {
      const pieces = concat(batch, Buffer.alloc(size));
      expect(pieces.join('')).toBe(whole);
      // Pieces are whole records: a reader of one piece never sees half a line.
      for (const piece of pieces) expect(piece.endsWith('\n')).toBe(true);
      if (size >= whole.length) expect(pieces).toHaveLength(1);
    }
  });

  it('of an empty batch are none', () => {
    expect([...archivePieces(createBatch([]), Buffer.alloc(64))]).toEqual([]);
  });
});
