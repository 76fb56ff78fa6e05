import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { encodeLines, hashLines } from './ndjson.js';

describe('hashLines', () => {
  it('is the SHA-256 of the NDJSON body, across chunk boundaries, lines beyond ASCII and lines larger than a chunk', () => {
    const lines = [
      ...Array.from({ length: 3000 }, (_, i) => `{"id":"evt_${i}","data":{"s":"${i % 7 === 0 ? 'é東😀' : 'a'.repeat(i % 50)}"}}`),
      `{"big":"${'x'.repeat(70_000)}"}`,
      `{"big":"${'€'.repeat(30_000)}"}`,
      '{"lone":"\ud800"}',
      '{}',
    ];
    for (const some of [lines, lines.slice(0, 1), [], lines.slice(2990)]) {
      expect(hashLines(some)).toBe(createHash('sha256').update(encodeLines(some)).digest('hex'));
    }
  });
});
