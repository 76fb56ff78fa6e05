import { describe, expect, it } from 'vitest';
import reference from 'canonicalize';
import { canonicalize } from '@ferry/archive';

/** A small deterministic PRNG, so a failure names a reproducible case. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ['id', 'type', 'data', 'a', 'B', '10', '9', '1', '\r', 'é', '€', '😀', '\ufb33', '\u0080', 'a b', '"q"', 'ferry', ''];
const STRINGS = ['', 'plain', 'é€😀', '"quoted" \\ back', '\u0000\u001f\t\n', '\u2028\u2029', 'user-123', '\ud83d\ude00'];
const NUMBERS = [0, 1, -1, 1.5, 1e21, 1e-7, 333333333.33333329, 4.5, 2e-3, 1e30, -1e-27, Number.MAX_SAFE_INTEGER, 5e-324, 1.7976931348623157e308, 123456789012345680000];

function value(rand: () => number, depth: number): unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const kind = depth > 3 ? Math.floor(rand() * 4) : Math.floor(rand() * 6);
  switch (kind) {
    case 0:
      return pick(STRINGS);
    case 1:
      return pick(NUMBERS) * (rand() < 0.5 ? 1 : -1);
    case 2:
      return pick([true, false, null]);
    case 3:
      return Math.floor(rand() * 1e6) / 1e3;
    case 4:
      return Array.from({ length: Math.floor(rand() * 4) }, () => value(rand, depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let i = Math.floor(rand() * 16); i > 0; i--) object[pick(NAMES)] = value(rand, depth + 1);
      return object;
    }
  }
}

describe('canonicalize agrees with the reference RFC 8785 implementation', () => {
  it('on 5,000 random JSON values with awkward names, strings and numbers', () => {
    const rand = random(8785);
    for (let i = 0; i < 5000; i++) {
      const v = JSON.parse(JSON.stringify(value(rand, 0))) as unknown; // as parsed from a stored line
      expect(canonicalize(v), `case ${i}: ${JSON.stringify(v)}`).toBe(reference(v));
    }
  });
});
