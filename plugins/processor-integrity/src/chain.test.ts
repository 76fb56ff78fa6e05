import { describe, expect, it } from 'vitest';
import { createHash, createHmac } from 'node:crypto';
import { decodeEvent, textOf, type FerryEvent, type JsonValue, type Processor } from '@ferry/sdk';
import { conformanceCases, createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import { BLOCK_BYTES, BLOCK_RECORDS, GENESIS, type ChainLink } from '@ferry/archive';
import integrity from './index.js';
import type { IntegrityConfig } from './config.js';

const events = (n: number, from = 0): FerryEvent[] =>
  Array.from({ length: n }, (_, i) => ({ id: `evt_${from + i}`, type: 'grant.created', createdAt: '2026-03-01T12:00:00Z', data: { n: from + i, principalId: `user-${from + i}` } }));
const context = (config: Partial<IntegrityConfig>, storage = true) =>
  createTestContext(resolveConfig(integrity.configSchema, { writerId: 'w1', ...config }), storage ? { storageDirectory: '/tmp/unused' } : {});
const make = (config: Partial<IntegrityConfig> = {}): Processor => integrity.create(context(config));
const linkOf = (e: FerryEvent) => e.ferry as unknown as ChainLink & { first?: number };
const withoutLink = (e: FerryEvent) => {
  const { ferry: _link, ...event } = e;
  return event;
};

/**
 * Events of every shape a record is built from: plain, beyond ASCII (escaped and not), an
 * object with spaces before its closing brace, one far larger than the linker's first buffer, and one with an upstream
 * Ferry's envelope (moved into the link as text).
 */
function unusualEvents(n: number): FerryEvent[] {
  const AT = '"createdAt":"2026-03-01T12:00:00Z"';
  const texts = [
    (i: number) => `{"id":"evt_${i}","type":"grant.created",${AT},"data":{"n":12345678901234567890,"10":"x","2":"y"}}`,
    (i: number) => `{"id":"evt_${i}","type":"grant.created",${AT},"data":{"who":"wrïter-東京-😀","esc":"\\u00e9"}}`,
    (i: number) => `{"id":"evt_${i}","type":"grant.created",${AT},"data":{}  }`,
    (i: number) => `{"id":"evt_${i}","type":"grant.created",${AT},"data":{"big":"${'€'.repeat(3000)}"}}`,
    (i: number) => `{"id":"evt_${i}","type":"grant.created",${AT},"ferry":{"v":2,"writer":"edge","seq":${i}},"data":{}}`,
  ];
  return Array.from({ length: n }, (_, i) => {
    const decoded = decodeEvent((texts[i % texts.length] as (i: number) => string)(i));
    if (!decoded.ok) throw new Error(decoded.problem);
    return decoded.event;
  });
}

function decoded(text: string): FerryEvent {
  const result = decodeEvent(text);
  if (!result.ok) throw new Error(result.problem);
  return result.event;
}

/** What the host does for each call it appends: process, then store the snapshot with the events. */
function append(chain: Processor, batch: readonly FerryEvent[]): { linked: FerryEvent[]; state: JsonValue } {
  const linked = chain.process!(batch) as FerryEvent[];
  return { linked, state: chain.snapshot!() };
}

/**
 * The seal's hash as an independent reader computes it: over the stored bytes of the block's
 * records, the members each with a line feed, then the seal up to `,"hash":`.
 */
function expectedHash(block: readonly FerryEvent[], secret?: string): string {
  const lines = block.map((record) => textOf(record) as string);
  const seal = lines.pop() as string;
  const covered = Buffer.from(lines.map((line) => `${line}\n`).join('') + seal.slice(0, seal.lastIndexOf(',"hash":"')), 'utf8');
  return secret === undefined ? createHash('sha256').update(covered).digest('hex') : createHmac('sha256', secret).update(covered).digest('hex');
}

/** The records cut into their blocks, each ending at a seal (a record with a hash). */
function blocksOf(records: readonly FerryEvent[]): FerryEvent[][] {
  const blocks: FerryEvent[][] = [[]];
  for (const record of records) {
    (blocks.at(-1) as FerryEvent[]).push(record);
    if (linkOf(record).hash !== undefined) blocks.push([]);
  }
  expect(blocks.pop()).toEqual([]); // the last record seals its block
  return blocks;
}

/** Checks every block's seal as a reader would: first, prev and hash. */
function expectSealed(records: readonly FerryEvent[], secret?: string, prev = GENESIS): void {
  for (const block of blocksOf(records)) {
    const seal = linkOf(block.at(-1) as FerryEvent);
    expect(seal.first).toBe(linkOf(block[0] as FerryEvent).seq);
    expect(seal.prev).toBe(prev);
    expect(seal.hash).toBe(expectedHash(block, secret));
    prev = seal.hash;
  }
}

describe('the integrity processor', () => {
  describe('SDK conformance', () => {
    for (const c of conformanceCases(integrity, {
      config: { writerId: 'w', secret: 'a-long-chain-secret' },
      storageDirectory: '/tmp',
      invalidConfigs: [
        { config: { secret: 'short' }, because: 'a secret has at least 16 characters' },
        { config: { writerId: 'two words' }, because: 'a writer id has no whitespace' },
        { config: { writerId: '' }, because: 'a writer id is not empty' },
        { config: { algorithm: 'md5' }, because: 'the algorithm follows from the secret, it is not an option' },
      ],
    })) it(c.name, c.run);
  });

  it('numbers each event and seals each call in blocks from the genesis value, each over its records\' stored bytes and the block before', () => {
    const chain = make();
    const out = [...append(chain, events(3)).linked, ...append(chain, events(2, 3)).linked];
    expect(out.map((e) => linkOf(e).seq)).toEqual([1, 2, 3, 4, 5]);
    expect(out.map((e) => Object.keys(linkOf(e)))).toEqual([
      ['v', 'writer', 'seq'],
      ['v', 'writer', 'seq'],
      ['v', 'writer', 'seq', 'alg', 'first', 'prev', 'hash'],
      ['v', 'writer', 'seq'],
      ['v', 'writer', 'seq', 'alg', 'first', 'prev', 'hash'],
    ]);
    expect(linkOf(out[2]!)).toMatchObject({ v: 3, writer: 'w1', alg: 'sha256', first: 1, prev: GENESIS });
    expect(linkOf(out[4]!)).toMatchObject({ first: 4, prev: linkOf(out[2]!).hash });
    expectSealed(out);
    for (const [i, record] of out.entries()) {
      expect(JSON.parse(textOf(record)!)).toEqual(record); // the stored line says what the object says
      expect(withoutLink(record)).toEqual(events(5)[i]);
    }
  });

  it(`seals a large call every ${BLOCK_RECORDS} records, and a changed byte anywhere in a block changes its hash`, () => {
    const out = append(make(), events(2 * BLOCK_RECORDS + 7)).linked;
    expect(blocksOf(out).map((block) => block.length)).toEqual([BLOCK_RECORDS, BLOCK_RECORDS, 7]);
    expectSealed(out);
    const block = blocksOf(out)[1] as FerryEvent[];
    const text = textOf(block[17]!)!.replace('"n":117', '"n":118');
    expect(text).not.toBe(textOf(block[17]!));
    expect(expectedHash([...block.slice(0, 17), decoded(text), ...block.slice(18)])).not.toBe(linkOf(block.at(-1)!).hash);
  });

  it('ends a block early at the record that brings its text to BLOCK_BYTES, so no buffer holds a hundred large events', () => {
    const large = Array.from({ length: 10 }, (_, i) => decoded(`{"id":"evt_${i}","type":"t","createdAt":"c","data":{"blob":"${'x'.repeat(BLOCK_BYTES / 4)}"}}`));
    const out = append(make(), large).linked;
    // Each text is a little over a quarter of BLOCK_BYTES: the fourth of a block brings it past the limit.
    expect(blocksOf(out).map((block) => block.length)).toEqual([4, 4, 2]);
    expectSealed(out);
  });

  it.each([
    ['HMAC', { secret: 'a-long-chain-secret' }],
    ['HMAC with a key over 64 bytes', { secret: 'k'.repeat(80) }],
    ['SHA-256, a writer beyond ASCII', { writerId: 'wrïter-東京' }],
  ])('links events of every shape as an independent reader checks them, in one call or several (%s)', (_name, config) => {
    const secret = (config as { secret?: string }).secret;
    const [split, whole] = [make(config), make(config)];
    const mixed = unusualEvents(60);
    const inThree = [...append(split, mixed.slice(0, 20)).linked, ...append(split, mixed.slice(20, 40)).linked, ...append(split, mixed.slice(40)).linked];
    const inOne = append(whole, mixed).linked;
    expectSealed(inThree, secret);
    expectSealed(inOne, secret);
    expect(blocksOf(inThree).map((block) => block.length)).toEqual([20, 20, 20]);
    expect(blocksOf(inOne).map((block) => block.length)).toEqual([60]);
    // A member's line depends only on its event and position: the same whichever call it came in.
    for (const [i, record] of inOne.entries()) if (i % 20 !== 19) expect(textOf(record)).toBe(textOf(inThree[i]!));
    for (const [i, record] of inOne.entries()) {
      // The source's bytes, then the link: nothing of the event re-encoded.
      const source = textOf(mixed[i]!)!;
      if (mixed[i]!.ferry === undefined) expect(textOf(record)!.startsWith(source.slice(0, source.lastIndexOf('}')))).toBe(true);
      else expect(linkOf(record).upstream).toEqual(mixed[i]!.ferry);
      expect(JSON.parse(textOf(record)!)).toEqual(record);
    }
  });

  it('returns new objects and never changes the events it was given', () => {
    const input = events(2);
    const copy = structuredClone(input);
    const out = make().process!(input) as FerryEvent[];
    expect(out[0]).not.toBe(input[0]);
    expect(input).toEqual(copy);
  });

  it('uses HMAC-SHA256 with a secret, which a reader without the key cannot recompute', () => {
    const [record] = append(make({ secret: 'a-long-chain-secret' }), events(1)).linked;
    expect(linkOf(record!).alg).toBe('hmac-sha256');
    expect(linkOf(record!).hash).toBe(expectedHash([record!], 'a-long-chain-secret'));
    expect(linkOf(record!).hash).not.toBe(expectedHash([record!]));
    expect(linkOf(record!).hash).not.toBe(expectedHash([record!], 'another-secret-value'));
    const [plain] = append(make(), events(1)).linked;
    expect(linkOf(plain!).hash).not.toBe(linkOf(record!).hash);
  });

  it('continues from the stored snapshot after a restart: no fork, no gap', () => {
    const first = make();
    const { linked: before, state } = append(first, events(2));
    first.process!(events(1, 2)); // processed, but the crash came before the append: the state above is what the log holds
    const second = make();
    second.restore!(JSON.parse(JSON.stringify(state)) as JsonValue);
    const { linked: after } = append(second, events(2, 2));
    expect(after.map((e) => linkOf(e).seq)).toEqual([3, 4]);
    expect(linkOf(after[1]!)).toMatchObject({ first: 3, prev: linkOf(before[1]!).hash });
    expectSealed([...before, ...after]);
  });

  it('does not move the head for a call the host never appended, so the next call takes its positions', () => {
    const chain = make();
    const { linked: kept } = append(chain, events(2));
    const dropped = chain.process!(events(3, 2)) as FerryEvent[]; // a later processor failed: no snapshot, no append
    expect(linkOf(dropped[0]!).seq).toBe(3);
    const { linked: next, state } = append(chain, events(1, 5));
    expect(linkOf(next[0]!)).toMatchObject({ seq: 3, first: 3, prev: linkOf(kept[1]!).hash });
    expect(state).toEqual({ writer: 'w1', seq: 3, hash: linkOf(next[0]!).hash });
    expectSealed([...kept, ...next]);
  });

  it('keeps two writers independent, and starts a new chain when writerId changes', () => {
    const a = make({ writerId: 'east' });
    const b = make({ writerId: 'west' });
    const fromA = append(a, events(3)).linked;
    const fromB = append(b, events(3)).linked;
    expect(fromB.map((e) => linkOf(e).seq)).toEqual([1, 2, 3]);
    expect(fromA.map((e) => linkOf(e).writer)).toEqual(['east', 'east', 'east']);
    expect(linkOf(fromA[2]!).hash).not.toBe(linkOf(fromB[2]!).hash); // the writer is covered
    const renamed = make({ writerId: 'north' });
    renamed.restore!(append(a, events(1, 3)).state);
    expect(linkOf(append(renamed, events(1)).linked[0]!)).toMatchObject({ writer: 'north', seq: 1, first: 1, prev: GENESIS });
  });

  it('keeps an envelope the event already had under ferry.upstream, as text, covered by the hash', () => {
    const upstream = `{"v":1,"writer":"edge","seq":9,"alg":"sha256","prev":"${GENESIS}","hash":"${'a'.repeat(64)}","n":12345678901234567890}`;
    for (const text of [`{"id":"e1","type":"t","createdAt":"c","data":{"n":1},"ferry":${upstream}}`, `{"ferry":${upstream}, "id":"e1","type":"t","createdAt":"c","data":{"n":1}}`]) {
      const decoded = decodeEvent(text);
      if (!decoded.ok) throw new Error(decoded.problem);
      const [record] = append(make(), [decoded.event]).linked;
      expect(linkOf(record!)).toMatchObject({ writer: 'w1', seq: 1, upstream: JSON.parse(upstream) });
      expect(textOf(record!)).toContain(`,"upstream":${upstream},"hash":"`);
      expect(linkOf(record!).hash).toBe(expectedHash([record!]));
      // A member keeps it too, after its seq.
      const [member, seal] = append(make(), [decoded.event, decoded.event]).linked;
      expect(textOf(member!)).toContain(`,"ferry":{"v":3,"writer":"w1","seq":1,"upstream":${upstream}}}`);
      expect(linkOf(member!).upstream).toEqual(JSON.parse(upstream));
      expectSealed([member!, seal!]);
    }
  });

  it("appends the link to the source's text without re-encoding it: large integers, key order and escapes stay", () => {
    const text = '{"id":"evt_1","type":"grant.created","createdAt":"2026-03-01T12:00:00Z","data":{"b":1,"10":"x","2":"y","big":12345678901234567890,"s":"\\u00e9 é"}}';
    const decoded = decodeEvent(text);
    if (!decoded.ok) throw new Error(decoded.problem);
    const [record] = append(make({ secret: 'a-long-chain-secret' }), [decoded.event]).linked;
    expect(textOf(record!)!.startsWith(`${text.slice(0, -1)},"ferry":{"v":3,"writer":"w1","seq":1,"alg":"hmac-sha256","first":1,"prev":"${GENESIS}","hash":"`)).toBe(true);
    expect(linkOf(record!).hash).toBe(expectedHash([record!], 'a-long-chain-secret'));
  });

  it('without storage, warns that each start begins a new chain epoch, and still links', () => {
    const ctx = context({}, false);
    const chain = integrity.create(ctx);
    expect(ctx.logs.some((l) => l.level === 'warn' && l.message.includes('new chain epoch'))).toBe(true);
    expect(append(chain, events(2)).linked.map((e) => linkOf(e).seq)).toEqual([1, 2]);
  });

  it('refuses an unreadable stored head loudly and begins a new epoch rather than guessing', () => {
    const ctx = context({});
    const chain = integrity.create(ctx);
    chain.restore!({ writer: 'w1', seq: 'many', hash: 'x' });
    expect(ctx.logs.some((l) => l.level === 'error' && l.message.includes('unreadable'))).toBe(true);
    expect(linkOf(append(chain, events(1)).linked[0]!)).toMatchObject({ seq: 1, first: 1, prev: GENESIS });
  });

  it('never puts the secret in its state or its links', () => {
    const chain = make({ secret: 'a-long-chain-secret' });
    const { linked, state } = append(chain, events(2));
    expect(JSON.stringify([linked, state])).not.toContain('a-long-chain-secret');
  });
});
