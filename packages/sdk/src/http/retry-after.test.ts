import { describe, expect, it } from 'vitest';
import { retryAfterHeader, retryAfterMs } from './retry-after.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');

describe('Retry-After', () => {
  it('reads delay-seconds as milliseconds', () => {
    expect(retryAfterMs('120', NOW)).toBe(120_000);
    expect(retryAfterMs(' 3 ', NOW)).toBe(3000);
    expect(retryAfterMs('0', NOW)).toBe(0);
    expect(retryAfterMs('1.5', NOW)).toBe(1500);
  });

  it('reads each HTTP-date form as the time until then, never less than 0', () => {
    expect(retryAfterMs('Sun, 01 Mar 2026 12:00:30 GMT', NOW)).toBe(30_000);
    expect(retryAfterMs('Sunday, 01-Mar-26 12:01:00 GMT', NOW)).toBe(60_000);
    expect(retryAfterMs('Sun Mar  1 12:00:05 2026', NOW)).toBe(5000 + new Date(NOW).getTimezoneOffset() * 60_000);
    expect(retryAfterMs('Sun, 01 Mar 2026 11:59:00 GMT', NOW)).toBe(0);
  });

  it('ignores what is neither: absent, negative, signed, words, a malformed date', () => {
    for (const header of [null, undefined, '', '  ', '-1', '+2', '.5', '1e3', 'soon', 'Mon, 99 Foo 2026']) expect(retryAfterMs(header, NOW)).toBeUndefined();
  });

  it('answers whole seconds, at least 1, for a receiver to send', () => {
    expect(retryAfterHeader(1500)).toBe('2');
    expect(retryAfterHeader(0)).toBe('1');
    expect(retryAfterHeader(undefined)).toBe('1');
    expect(retryAfterHeader(undefined, 5000)).toBe('5');
  });
});
