import { describe, expect, it } from 'vitest';
import { archiveKey, parseArchiveKey, KEY_LAYOUTS } from './key.js';

const base = { prefix: 'grantex-events', compression: 'none' as const, receivedAt: Date.parse('2026-03-01T12:00:00.123Z'), firstSeq: 42, batchId: '3fa9c1d2e4b5aabbccdd' };

describe('archive keys', () => {
  it('writes the daily, hive and flat layouts', () => {
    expect(archiveKey({ ...base, layout: 'daily' })).toBe('grantex-events/2026-03-01/12-00-00.123Z-000000000000000042-3fa9c1d2e4b5.ndjson');
    expect(archiveKey({ ...base, layout: 'hive' })).toBe('grantex-events/dt=2026-03-01/12-00-00.123Z-000000000000000042-3fa9c1d2e4b5.ndjson');
    expect(archiveKey({ ...base, layout: 'flat', compression: 'gzip' })).toBe('grantex-events/2026-03-01T12-00-00-123Z-000000000000000042-3fa9c1d2e4b5.ndjson.gz');
  });

  it('reads back every layout', () => {
    for (const layout of KEY_LAYOUTS) {
      const parsed = parseArchiveKey(archiveKey({ ...base, layout }));
      expect(parsed).toEqual({ day: '2026-03-01', receivedAt: base.receivedAt, firstSeq: 42, idPrefix: '3fa9c1d2e4b5', compression: 'none' });
    }
    expect(parseArchiveKey('grantex-events/README.txt')).toBeUndefined();
  });

  it('sorts keys in acceptance order, across days and within one millisecond', () => {
    const keys = [
      archiveKey({ ...base, layout: 'daily', receivedAt: Date.parse('2026-03-02T00:00:00.000Z'), firstSeq: 900 }),
      archiveKey({ ...base, layout: 'daily', firstSeq: 1000, batchId: '00' }),
      archiveKey({ ...base, layout: 'daily', firstSeq: 999, batchId: 'ff' }),
    ];
    expect([...keys].sort()).toEqual([keys[2], keys[1], keys[0]]);
  });

  it('accepts prefixes with or without slashes, and none', () => {
    expect(archiveKey({ ...base, layout: 'daily', prefix: '/a/b/' })).toMatch(/^a\/b\/2026-03-01\//);
    expect(archiveKey({ ...base, layout: 'daily', prefix: '' })).toMatch(/^2026-03-01\//);
  });
});

describe('archive records', async () => {
  const { archiveLines } = await import('./object.js');
  const { createBatch } = await import('@ferry/sdk');
  it("carry Ferry's envelope version, unless a processor already set the envelope", () => {
    const batch = createBatch([
      { id: 'evt_1', type: 'grant.created', createdAt: '2026-03-01T12:00:00Z', data: { a: 1 } },
      { id: 'evt_2', type: 'grant.created', createdAt: '2026-03-01T12:00:00Z', data: {}, ferry: { v: 1, seq: 9 } },
    ]);
    expect(archiveLines(batch).map((l) => JSON.parse(l))).toEqual([
      { id: 'evt_1', type: 'grant.created', createdAt: '2026-03-01T12:00:00Z', data: { a: 1 }, ferry: { v: 3 } },
      { id: 'evt_2', type: 'grant.created', createdAt: '2026-03-01T12:00:00Z', data: {}, ferry: { v: 1, seq: 9 } },
    ]);
  });
});
