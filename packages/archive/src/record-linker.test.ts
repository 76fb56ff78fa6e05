import { describe, expect, it } from 'vitest';
import { byteLinker, recordTail } from './byte-chain.js';
import { createLinkHasher } from './chain.js';
import { GENESIS } from './envelope.js';
import { RecordLinker } from './record-linker.js';
import { LINKER_TEXTS, UPSTREAM_ENVELOPE } from './testing/linker-texts.js';

const TEXTS = LINKER_TEXTS;
const UPSTREAM = UPSTREAM_ENVELOPE;

describe('RecordLinker', () => {
  it.each([
    ['sha256', 'w1', undefined],
    ['hmac-sha256', 'w1', 'a-long-chain-secret'],
    ['hmac-sha256', 'w1', 'k'.repeat(64)],
    ['hmac-sha256', 'w1', 'k'.repeat(65)],
    ['hmac-sha256', 'wrïter-東京', 'sécret-with-accents'],
  ] as const)('builds byte for byte the records byteLinker builds, and the same hashes (%s, writer %s)', (alg, writer, secret) => {
    const linker = new RecordLinker(writer, alg, secret);
    const reference = byteLinker(writer, alg, createLinkHasher(alg, secret));
    let [prev, expectedPrev] = [GENESIS, GENESIS];
    let seq = 2 ** 53 - 40;
    for (let round = 0; round < 3; round++) {
      for (const [i, text] of TEXTS.entries()) {
        const upstream = i % 3 === 2 ? UPSTREAM : undefined;
        seq++;
        const line = linker.link(text, seq, prev, recordTail(upstream));
        const expected = reference(text, seq, expectedPrev, upstream);
        expect(line).toBe(expected.line);
        expect(linker.hash).toBe(expected.hash);
        [prev, expectedPrev] = [linker.hash, expected.hash];
      }
      // A prev that is not the last hash made (a call's first record after a restart).
      prev = expectedPrev = 'f'.repeat(64);
    }
  });

  it('refuses a text that is not a JSON object, and links the next records as before', () => {
    const [linker, reference] = [new RecordLinker('w', 'hmac-sha256', 'a-long-chain-secret'), byteLinker('w', 'hmac-sha256', createLinkHasher('hmac-sha256', 'a-long-chain-secret'))];
    expect(() => linker.link('"not an object"', 1, GENESIS)).toThrow('a chained record must be a JSON object');
    expect(linker.link(TEXTS[0] as string, 1, GENESIS)).toBe(reference(TEXTS[0] as string, 1, GENESIS).line);
  });
});
