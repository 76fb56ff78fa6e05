import { describe, expect, it } from 'vitest';
import { blockLinker, createBlockHasher, memberTail, sealCovered, BLOCK_CHAIN_VERSION } from './block-chain.js';
import { createLinkHasher } from './chain.js';
import { GENESIS } from './envelope.js';
import { BlockLinker } from './block-linker.js';
import { LINKER_TEXTS, UPSTREAM_ENVELOPE } from './testing/linker-texts.js';

const TEXTS = LINKER_TEXTS;
const UPSTREAM = UPSTREAM_ENVELOPE;

describe('BlockLinker', () => {
  it.each([
    ['sha256', 'w1', undefined],
    ['hmac-sha256', 'w1', 'a-long-chain-secret'],
    ['hmac-sha256', 'w1', 'k'.repeat(65)],
    ['hmac-sha256', 'wrïter-東京', 'sécret-with-accents'],
  ] as const)('builds byte for byte the records blockLinker builds, and the same block hashes (%s, writer %s)', (alg, writer, secret) => {
    const linker = new BlockLinker(writer, alg, secret);
    const reference = blockLinker(writer, alg, createLinkHasher(alg, secret));
    let prev = GENESIS;
    let seq = 2 ** 53 - 400;
    // Blocks of 1 to 9 records, each text in every position, some with an upstream envelope.
    for (let size = 1; size <= 9; size++) {
      const first = seq + 1;
      for (let i = 0; i < size; i++) {
        const text = TEXTS[(size + i) % TEXTS.length] as string;
        const upstream = (size + i) % 4 === 3 ? UPSTREAM : undefined;
        seq++;
        if (i < size - 1) {
          expect(linker.member(text, seq, memberTail(upstream))).toBe(reference.member(text, seq, upstream));
        } else {
          const expected = reference.seal(text, seq, first, prev, upstream);
          expect(linker.seal(text, seq, first, prev, memberTail(upstream))).toBe(expected.line);
          expect(linker.hash).toBe(expected.hash);
          prev = linker.hash;
        }
      }
    }
  });

  it('writes records any JSON reader takes, with the envelope as their last member', () => {
    const linker = new BlockLinker('w', 'sha256');
    const member = JSON.parse(linker.member(TEXTS[0] as string, 1)) as { ferry: unknown; data: unknown };
    const seal = JSON.parse(linker.seal(TEXTS[2] as string, 2, 1, GENESIS)) as { ferry: Record<string, unknown> };
    expect(member.ferry).toEqual({ v: BLOCK_CHAIN_VERSION, writer: 'w', seq: 1 });
    expect(seal.ferry).toEqual({ v: BLOCK_CHAIN_VERSION, writer: 'w', seq: 2, alg: 'sha256', first: 1, prev: GENESIS, hash: linker.hash });
  });

  it('is checked line by line by createBlockHasher, as ferry verify streams an archive', () => {
    const linker = new BlockLinker('w', 'hmac-sha256', 'a-long-chain-secret');
    const lines = [linker.member(TEXTS[1] as string, 1), linker.member(TEXTS[5] as string, 2), linker.seal(TEXTS[6] as string, 3, 1, GENESIS)];
    const checker = createBlockHasher('hmac-sha256', 'a-long-chain-secret');
    checker.member(Buffer.from(lines[0] as string));
    checker.member(Buffer.from(lines[1] as string));
    checker.update(sealCovered(Buffer.from(lines[2] as string)) as Uint8Array);
    expect(checker.digest()).toBe(linker.hash);
    // Any byte changed in a member changes the block's hash.
    checker.member(Buffer.from((lines[0] as string).replace('wrïter', 'writer')));
    checker.member(Buffer.from(lines[1] as string));
    checker.update(sealCovered(Buffer.from(lines[2] as string)) as Uint8Array);
    expect(checker.digest()).not.toBe(linker.hash);
  });

  it('starts the next block clean after a reset (a call the host dropped)', () => {
    const [linker, reference] = [new BlockLinker('w', 'sha256'), blockLinker('w', 'sha256', createLinkHasher('sha256'))];
    linker.member(TEXTS[0] as string, 1);
    linker.reset();
    expect(linker.member(TEXTS[1] as string, 1)).toBe(reference.member(TEXTS[1] as string, 1));
    expect(linker.seal(TEXTS[2] as string, 2, 1, GENESIS)).toBe(reference.seal(TEXTS[2] as string, 2, 1, GENESIS).line);
  });

  it('refuses a text that is not a JSON object', () => {
    expect(() => new BlockLinker('w', 'sha256').member('"not an object"', 1)).toThrow('a chained record must be a JSON object');
  });

  it('finds no covered part in a line not as Ferry writes seals', () => {
    expect(sealCovered(Buffer.from('{"a":1}'))).toBeUndefined();
    expect(sealCovered(Buffer.from(`{"ferry":{"hash":"${'g'.repeat(64)}"}}`))).toBeUndefined();
  });
});
