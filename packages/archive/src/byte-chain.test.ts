import { describe, expect, it } from 'vitest';
import { createHash, createHmac } from 'node:crypto';
import { byteChainCovered, byteLinker, HASH_TAIL_LENGTH } from './byte-chain.js';
import { createByteHasher, createLinkHasher } from './chain.js';
import { GENESIS } from './envelope.js';

const TEXT = '{"id":"evt_1","type":"grant.created","createdAt":"2026-03-01T12:00:00Z","data":{"n":12345678901234567890,"10":"x","2":"y","s":"\\u00e9é"}}';

describe('the version-2 chain over stored bytes', () => {
  it('appends the link to the text as written and hashes every byte before its hash member', () => {
    const link = byteLinker('w "1"', 'sha256', createLinkHasher('sha256'));
    const { line, hash } = link(TEXT, 7, GENESIS);
    const covered = `${TEXT.slice(0, -1)},"ferry":{"v":2,"writer":"w \\"1\\"","seq":7,"alg":"sha256","prev":"${GENESIS}"`;
    expect(line).toBe(`${covered},"hash":"${hash}"}}`);
    expect(hash).toBe(createHash('sha256').update(Buffer.from(covered, 'utf8')).digest('hex'));
    expect(byteChainCovered(line)).toBe(covered);
    expect(line.length - covered.length).toBe(HASH_TAIL_LENGTH);
    expect(JSON.parse(line)).toMatchObject({ ferry: { v: 2, writer: 'w "1"', seq: 7, alg: 'sha256', prev: GENESIS, hash } });
  });

  it('keeps an upstream envelope as text inside the link, and joins an empty object without a comma', () => {
    const link = byteLinker('w', 'sha256', createLinkHasher('sha256'));
    const { line } = link('{"id":"e"}', 1, GENESIS, '{"v":1,"seq":12345678901234567890}');
    expect(line).toContain(',"prev":"' + GENESIS + '","upstream":{"v":1,"seq":12345678901234567890},"hash":"');
    expect(JSON.parse(line).ferry).toMatchObject({ upstream: { v: 1 } });
    expect(JSON.parse(link('{ }', 1, GENESIS).line)).toMatchObject({ ferry: { seq: 1 } });
  });

  it('finds no covered text in a line that is not in the form it writes (re-serialized)', () => {
    const { line } = byteLinker('w', 'sha256', createLinkHasher('sha256'))(TEXT, 1, GENESIS);
    expect(byteChainCovered(JSON.stringify(JSON.parse(line), null, 1))).toBeUndefined();
    expect(byteChainCovered(line.replace(/"}}$/, '" }}'))).toBeUndefined();
    expect(byteChainCovered('{}')).toBeUndefined();
  });

  it('computes HMAC-SHA256 exactly as createHmac does, over text and over bytes, for short ASCII secrets and any other', () => {
    const texts = ['', 'a', TEXT, 'é€😀'.repeat(40), 'x'.repeat(5000)];
    for (const secret of ['a-long-chain-secret', 'k'.repeat(64), 'k'.repeat(65), 'sécret-with-accents', '0123456789abcdef']) {
      const [hasher, byteHasher] = [createLinkHasher('hmac-sha256', secret), createByteHasher('hmac-sha256', secret)];
      for (const text of texts) {
        const expected = createHmac('sha256', secret).update(text).digest('hex');
        expect(hasher(text), `${secret} / ${text.slice(0, 10)}`).toBe(expected);
        expect(byteHasher(Buffer.from(text, 'utf8')), `bytes: ${secret} / ${text.slice(0, 10)}`).toBe(expected);
      }
    }
  });
});
