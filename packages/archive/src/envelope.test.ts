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
});
