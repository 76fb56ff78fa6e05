import { describe, expect, it } from 'vitest';
import { ConfigError, type FerryEvent } from '@ferry/sdk';
import { conformanceCases, createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import { GENESIS, linkHash, type ChainLink } from '@ferry/archive';
import integrity from './index.js';
import type { IntegrityConfig } from './config.js';

const events = (n: number, from = 0): FerryEvent[] => Array.from({ length: n }, (_, i) => ({ id: `evt_${from + i}`, type: 'grant.created', createdAt: '2026-03-01T12:00:00Z', data: { n: from + i } }));
const make = (config: Partial<IntegrityConfig> = {}) => integrity.create(createTestContext(resolveConfig(integrity.configSchema, { writerId: 'w1', ...config }), { storageDirectory: '/tmp/unused' }));
const linkOf = (e: FerryEvent) => e.ferry as unknown as ChainLink;
const plain = (e: FerryEvent) => {
  const { ferry: _f, ...rest } = e;
  return rest as FerryEvent;
};

describe('the integrity processor', () => {
  describe('SDK conformance', () => {
    for (const c of conformanceCases(integrity, { config: { writerId: 'w' }, storageDirectory: '/tmp', invalidConfigs: [{ config: { secret: 'short' }, because: 'a secret has at least 16 characters' }] })) it(c.name, c.run);
  });

  it('links each event to the one before, across batches, from the genesis value', () => {
    const chain = make();
    const out = [...(chain.process!(events(3)) as FerryEvent[]), ...(chain.process!(events(2, 3)) as FerryEvent[])];
    expect(out.map((e) => linkOf(e).seq)).toEqual([1, 2, 3, 4, 5]);
    expect(linkOf(out[0]!).prev).toBe(GENESIS);
    for (let i = 0; i < out.length; i++) {
      const link = linkOf(out[i]!);
      expect(link).toMatchObject({ v: 1, writer: 'w1', alg: 'sha256' });
      expect(link.hash).toBe(linkHash(plain(out[i]!), link));
      if (i > 0) expect(link.prev).toBe(linkOf(out[i - 1]!).hash);
    }
    expect(plain(out[1]!)).toEqual(events(3)[1]);
  });

  it('uses HMAC-SHA256 with a secret: the hash cannot be recomputed without it', () => {
    const [event] = make({ secret: 'a-long-chain-secret' }).process!(events(1)) as FerryEvent[];
    const link = linkOf(event!);
    expect(link.alg).toBe('hmac-sha256');
    expect(link.hash).toBe(linkHash(plain(event!), link, 'a-long-chain-secret'));
    expect(() => linkHash(plain(event!), link)).toThrow('an HMAC chain needs its secret');
    expect(linkHash(plain(event!), link, 'another-secret-value')).not.toBe(link.hash);
  });

  it('continues the chain from the snapshot stored with the log, without a fork or a gap', () => {
    const first = make();
    const before = first.process!(events(2)) as FerryEvent[];
    const state = first.snapshot!();
    first.process!(events(1, 2)); // processed but never made durable: the snapshot above is what the log holds
    const second = make();
    second.restore!(state);
    const [next] = second.process!(events(1, 2)) as FerryEvent[];
    expect(linkOf(next!).seq).toBe(3);
    expect(linkOf(next!).prev).toBe(linkOf(before[1]!).hash);
  });

  it('ignores a snapshot of another writer, and keeps an upstream envelope under the link', () => {
    const other = make({ writerId: 'w2' });
    other.restore!({ writer: 'w1', seq: 40, hash: 'x'.repeat(64) });
    const [event] = other.process!([{ ...events(1)[0]!, ferry: { v: 1, writer: 'edge', seq: 9 } }]) as FerryEvent[];
    expect(linkOf(event!)).toMatchObject({ writer: 'w2', seq: 1, upstream: { v: 1, writer: 'edge', seq: 9 } });
  });

  it('needs storage, so that a restart continues its chain', () => {
    expect(() => integrity.create(createTestContext(resolveConfig(integrity.configSchema, {})))).toThrow(ConfigError);
  });
});
