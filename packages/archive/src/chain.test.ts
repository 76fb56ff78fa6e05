import { describe, expect, it } from 'vitest';
import { createHash, createHmac } from 'node:crypto';
import { canonicalize, createLinkHasher, linkTextWriter, linkHash, linkOf, linkText, MissingSecretError, recordText, storedRecordText } from './chain.js';
import { GENESIS, type ChainLink } from './envelope.js';

describe('canonical JSON (RFC 8785)', () => {
  it('serializes the RFC 8785 examples exactly', () => {
    // RFC 8785 §3.2.2 (primitives) and §3.2.3 (sorting by UTF-16 code units).
    const primitives = JSON.parse('{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}');
    expect(canonicalize(primitives)).toBe('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
    const sorting = JSON.parse('{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}');
    expect(canonicalize(sorting)).toBe('{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign","😀":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}');
  });

  it('sorts integer-like names as text, where JSON.stringify puts them first in numeric order', () => {
    const value = JSON.parse('{"a":1,"10":2,"9":{"b":[{"z":1,"y":2}],"a":null}}');
    expect(JSON.stringify(value)).toBe('{"9":{"b":[{"z":1,"y":2}],"a":null},"10":2,"a":1}');
    expect(canonicalize(value)).toBe('{"10":2,"9":{"a":null,"b":[{"y":2,"z":1}]},"a":1}');
  });

  it('gives the same text for every re-serialization of the same content', () => {
    const texts = [
      '{"id":"evt_1","type":"grant.created","createdAt":"2026-03-01T12:00:00Z","data":{"n":1.0,"who":"\\u00e9","list":[1,2]}}',
      '{ "data": { "list": [ 1, 2 ], "who": "é", "n": 1 },\n "createdAt": "2026-03-01T12:00:00Z", "type": "grant.created", "id": "evt_1" }',
      '{"type":"grant.created","id":"evt_1","data":{"who":"é","n":1E0,"list":[1,2]},"createdAt":"2026-03-01T12:00:00Z"}',
    ];
    const canonical = texts.map((t) => canonicalize(JSON.parse(t)));
    expect(new Set(canonical).size).toBe(1);
    expect(canonical[0]).toBe('{"createdAt":"2026-03-01T12:00:00Z","data":{"list":[1,2],"n":1,"who":"é"},"id":"evt_1","type":"grant.created"}');
  });

  it('agrees with what Ferry stores where RFC 8785 would refuse: lone surrogates, undefined, non-finite numbers', () => {
    const odd = { s: '\ud800x', gone: undefined, list: [undefined, Number.NaN, -0], n: Number.POSITIVE_INFINITY };
    expect(canonicalize(odd)).toBe('{"list":[null,null,0],"n":null,"s":"\\ud800x"}');
    expect(canonicalize(JSON.parse(JSON.stringify(odd)))).toBe(canonicalize(odd));
  });
});

describe('links', () => {
  const event = { id: 'evt_1', type: 'grant.created', createdAt: '2026-03-01T12:00:00Z', data: { principalId: 'user-1', scopes: ['a', 'b'] } };
  const link = { v: 1, writer: 'collector-1', seq: 7, alg: 'sha256' as const, prev: GENESIS };

  it('writes the link text the general canonicalizer would, with and without an upstream envelope', () => {
    expect(linkText(link)).toBe(canonicalize(link));
    const withUpstream = { ...link, writer: 'a "quoted" \u2028 writer', upstream: { v: 1, writer: 'edge', seq: 3, z: [1, { b: 2, a: 1 }] } };
    expect(linkText(withUpstream)).toBe(canonicalize(withUpstream));
    const write = linkTextWriter('a "quoted" \u2028 writer', 'hmac-sha256', 1);
    const hashed = { v: 1, writer: 'a "quoted" \u2028 writer', seq: 123456789, alg: 'hmac-sha256' as const, prev: 'f'.repeat(64) };
    expect(write(hashed.seq, hashed.prev)).toBe(canonicalize(hashed));
  });

  it('hashes the record with its envelope minus hash: SHA-256, or HMAC-SHA256 with the secret', () => {
    const text = recordText(event, linkText(link));
    expect(text).toBe(canonicalize({ ...event, ferry: link }));
    expect(linkHash(event, link)).toBe(createHash('sha256').update(text).digest('hex'));
    const keyed = { ...link, alg: 'hmac-sha256' as const };
    expect(linkHash(event, keyed, 'a-chain-secret-value')).toBe(createHmac('sha256', 'a-chain-secret-value').update(recordText(event, linkText(keyed))).digest('hex'));
    expect(() => linkHash(event, keyed)).toThrow(MissingSecretError);
    expect(() => createLinkHasher('md5' as never)).toThrow('unknown chain algorithm "md5"');
  });

  it('covers every field: the event, prev, seq, writer, and any envelope field a later version adds', () => {
    const hash = linkHash(event, link);
    const stored = JSON.parse(JSON.stringify({ ...event, ferry: { ...link, hash } })) as Record<string, unknown>;
    const storedLink = linkOf(stored) as ChainLink;
    const check = (record: Record<string, unknown>) => createHash('sha256').update(storedRecordText(record, linkOf(record) as ChainLink)).digest('hex') === hash;
    expect(check(stored)).toBe(true);
    expect(check({ ...stored, data: { ...event.data, principalId: 'user-2' } })).toBe(false);
    for (const change of [{ prev: '1'.repeat(64) }, { seq: 8 }, { writer: 'collector-2' }, { note: 'added' }]) {
      expect(check({ ...stored, ferry: { ...storedLink, ...change } })).toBe(false);
    }
  });

  it('reads a link only when it is complete and well-formed', () => {
    const hash = 'a'.repeat(64);
    expect(linkOf({ ferry: { ...link, hash } })).toEqual({ ...link, hash });
    expect(linkOf({ ferry: { v: 1 } })).toBeUndefined();
    expect(linkOf({})).toBeUndefined();
    expect(linkOf({ ferry: { ...link, hash: 'short' } })).toBeUndefined();
    expect(linkOf({ ferry: { ...link, seq: 0, hash } })).toBeUndefined();
    expect(linkOf({ ferry: { ...link, seq: '7', hash } })).toBeUndefined();
  });
});
