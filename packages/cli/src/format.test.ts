import { describe, expect, it } from 'vitest';
import { formatCount } from './format.js';

describe('formatCount', () => {
  it('groups the digits of a count by thousands, as en-US does', () => {
    for (const value of [0, 7, 999, 1000, 12_345, 400_000, 1_234_567, 1_000_000_000, -1234, 9_007_199_254_740_991]) {
      expect(formatCount(value)).toBe(value.toLocaleString('en-US'));
    }
  });

  it('leaves the fraction of a non-integer ungrouped', () => {
    expect(formatCount(1234.5678)).toBe('1,234.5678');
  });
});
