import { describe, expect, it } from 'vitest';
import { hasEnvelope } from './envelope.js';

describe('hasEnvelope', () => {
  it('finds the top-level envelope first or last without being fooled by nested or quoted ones', () => {
    const link = '{"v":1,"writer":"w","seq":1,"alg":"sha256","prev":"0","hash":"1","upstream":{"v":1,"x":[{"y":"}"}]}}';
    const cases: Array<[unknown, boolean]> = [
      [{ id: 'e', data: { a: '}' }, ferry: JSON.parse(link) }, true],
      [{ ferry: { v: 1 }, id: 'e', data: {} }, true],
      [{ id: 'e', ferry: { v: 1 }, data: { n: 1 } }, true],
      [{ id: 'e', data: { ferry: { v: 1 } } }, false],
      [{ id: 'e', data: { note: ',"ferry":{"v":1}}' } }, false],
      [{ id: 'e', data: { list: [{ ferry: { v: 1 } }] } }, false],
      [{ id: 'e', data: {} }, false],
    ];
    for (const [record, expected] of cases) expect(hasEnvelope(JSON.stringify(record)), JSON.stringify(record)).toBe(expected);
  });

  it.each([
    ['version 2', `"ferry":{"v":2,"writer":"a \\"quoted\\" writer","seq":7,"alg":"hmac-sha256","prev":"${'a'.repeat(64)}","hash":"${'b'.repeat(64)}"}`],
    ['version 3, a member', '"ferry":{"v":3,"writer":"a \\"quoted\\" writer","seq":7}'],
    ['version 3, a seal', `"ferry":{"v":3,"writer":"w","seq":7,"alg":"sha256","first":1,"prev":"${'a'.repeat(64)}","hash":"${'b'.repeat(64)}"}`],
  ])('takes a chained record\'s envelope (%s) as top-level from the end, and is not fooled by a look-alike nested one', (_version, envelope) => {
    const hex = (c: string) => c.repeat(64);
    expect(hasEnvelope(`{"id":"e","data":{"n":12345678901234567891},${envelope}}`)).toBe(true);
    // The same envelope one level down: the record then ends in three braces, and the full scan decides.
    expect(hasEnvelope(`{"id":"e","data":{"x":1,${envelope}}}`)).toBe(false);
    expect(hasEnvelope(`{"id":"e","data":{"x":1,${envelope},"y":2}}`)).toBe(false);
    // In a string, the member's quotes are escaped: no match.
    expect(hasEnvelope(JSON.stringify({ id: 'e', note: `,${envelope}}` }))).toBe(false);
    // With upstream (objects inside), the full scan decides, and still finds it.
    expect(hasEnvelope(`{"id":"e",${envelope.slice(0, -1)},"upstream":{"v":2,"hash":"${hex('c')}"}}}`)).toBe(true);
  });
});
