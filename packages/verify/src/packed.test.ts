import { describe, expect, it } from 'vitest';
import type { LineResult } from './line-check.js';
import { pack, unpack } from './packed.js';

describe('line results packed for the trip from a worker thread', () => {
  it('come back exactly as they were, every kind and flag', () => {
    const record = (seq: number, holds: boolean | undefined, extra: Partial<LineResult> = {}): LineResult =>
      ({ kind: 'record', day: '2026-03-01', writer: seq % 2 ? 'east' : 'west', seq, v: seq > 2 ? 2 : 1, alg: 'hmac-sha256', prev: String(seq).padStart(64, '0'), hash: String(seq + 1).padStart(64, 'f'), holds, notAsWritten: false, reformatted: false, ambiguous: undefined, ...extra }) as LineResult;
    const results: LineResult[] = [
      record(1, true),
      { kind: 'empty' },
      { kind: 'damage', problem: 'the line is not JSON' },
      record(2, false, { notAsWritten: true }),
      { kind: 'unchained', day: 'unknown' },
      record(3, undefined, { reformatted: true, ambiguous: 'data' }),
    ];
    const object = { results, damage: { line: 7, problem: 'the object is damaged: truncated' } };
    expect(unpack(structuredClone(pack(object)))).toEqual(object);
    expect(unpack(pack({ results: [] }))).toEqual({ results: [] });
  });
});
