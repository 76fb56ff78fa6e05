import { createHmac, createSecretKey, hash as oneShotHash, type KeyObject } from 'node:crypto';
import { ENVELOPE_FIELD, GENESIS, type ChainAlgorithm, type ChainLink, type UnhashedLink } from './envelope.js';

/**
 * The hash chain's arithmetic, shared by the integrity processor (which writes links) and
 * `ferry verify` (which checks them), so the two cannot drift apart.
 *
 * A link's hash is SHA-256 — or HMAC-SHA256 keyed with the chain's secret — of the UTF-8
 * bytes of the record's canonical JSON (RFC 8785, JCS) with its `ferry` envelope minus
 * `ferry.hash`. Canonical, not the stored text, so a faithful copy of the archive still
 * verifies after any re-serialization (spacing, key order, `\u00e9` vs `é`): what is
 * checked is the content, and anyone can re-check it with any RFC 8785 implementation.
 */

/**
 * RFC 8785 canonical JSON of a JSON value: object members sorted by the UTF-16 code units
 * of their names, no whitespace, strings and numbers exactly as `JSON.stringify` writes
 * them (which is what RFC 8785 specifies). Where RFC 8785 refuses a value, this mirrors
 * `JSON.stringify` instead — lone surrogates are escaped, `undefined` members are left
 * out, non-finite numbers are `null` — so that canonicalizing an event and canonicalizing
 * the line Ferry stored for it always agree: an event is never refused for its content.
 */
export function canonicalize(value: unknown): string {
  return write(value) ?? 'null';
}

function write(value: unknown): string | undefined {
  // Ordered by how often each kind occurs in events; this runs for every value of every event.
  if (typeof value === 'string' || typeof value === 'number') return JSON.stringify(value);
  if (typeof value === 'object') {
    if (value === null) return 'null';
    if (Array.isArray(value)) return writeArray(value);
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return write((value as { toJSON(): unknown }).toJSON());
    return writeObject(value as Record<string, unknown>, undefined, undefined);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') throw new TypeError('a BigInt has no JSON form');
  return undefined; // undefined, functions and symbols, as JSON.stringify leaves them out
}

function writeArray(items: readonly unknown[]): string {
  let out = '[';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ',';
    out += write(items[i]) ?? 'null';
  }
  return `${out}]`;
}

/** An object's canonical text; `replacedKey`'s member, when given, is `replacement` (already canonical). */
function writeObject(object: Record<string, unknown>, replacedKey: string | undefined, replacement: string | undefined): string {
  const keys = Object.keys(object);
  if (replacedKey !== undefined && !Object.hasOwn(object, replacedKey)) keys.push(replacedKey);
  sortNames(keys);
  let out = '{';
  let first = true;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const text = key === replacedKey ? replacement : write(object[key]);
    if (text === undefined) continue;
    if (first) first = false;
    else out += ',';
    out += quotedName(key) + ':' + text;
  }
  return `${out}}`;
}

/**
 * Sorts member names by UTF-16 code units (what `<` compares, and RFC 8785 asks for).
 * Events have a handful of members per object, where an insertion sort beats the
 * built-in sort's call overhead by a margin that shows in pipeline throughput.
 */
function sortNames(names: string[]): void {
  if (names.length > 12) {
    names.sort();
    return;
  }
  for (let i = 1; i < names.length; i++) {
    const name = names[i] as string;
    let j = i - 1;
    while (j >= 0 && (names[j] as string) > name) {
      names[j + 1] = names[j] as string;
      j--;
    }
    names[j + 1] = name;
  }
}

// Events repeat the same few dozen member names; quoting each once saves a JSON.stringify
// per member. Bounded, so hostile input with endless distinct names cannot grow it.
const QUOTED_NAMES_MAX = 4096;
const quotedNames = new Map<string, string>();

function quotedName(name: string): string {
  let quoted = quotedNames.get(name);
  if (quoted === undefined) {
    quoted = JSON.stringify(name);
    if (quotedNames.size < QUOTED_NAMES_MAX) quotedNames.set(name, quoted);
  }
  return quoted;
}

/**
 * The canonical text of a link without its hash. The processor builds every link this way
 * (several times faster than the general canonicalizer); it equals `canonicalize` of the
 * same link, which is what `ferry verify` computes from a stored one.
 */
export function linkText(link: UnhashedLink): string {
  const upstream = link.upstream === undefined ? '' : `,"upstream":${canonicalize(link.upstream)}`;
  return `{"alg":${JSON.stringify(link.alg)},"prev":${JSON.stringify(link.prev)},"seq":${JSON.stringify(link.seq)}${upstream},"v":${JSON.stringify(link.v)},"writer":${JSON.stringify(link.writer)}}`;
}

/**
 * `linkText` for one writer's links without `upstream`, as a function of `seq` and `prev`
 * only: the constant parts are serialized once. `prev` is a hash (hex), which needs no
 * escaping. The processor calls this for every event.
 */
export function linkTextWriter(writer: string, alg: ChainAlgorithm, v: number): (seq: number, prev: string) => string {
  const head = `{"alg":${JSON.stringify(alg)},"prev":"`;
  const tail = `,"v":${JSON.stringify(v)},"writer":${JSON.stringify(writer)}}`;
  return (seq, prev) => `${head}${prev}","seq":${seq}${tail}`;
}

/**
 * What a link's hash covers: the canonical text of `record` with its `ferry` member
 * replaced by `envelopeText` (the canonical text of the link without `hash`). Any `ferry`
 * field the record has is ignored: the envelope given takes its place.
 */
export function recordText(record: object, envelopeText: string): string {
  return writeObject(record as Record<string, unknown>, ENVELOPE_FIELD, envelopeText);
}

/** Hashes canonical texts for one chain: SHA-256, or HMAC-SHA256 with the secret. */
export type LinkHasher = (text: string) => string;

/** Thrown when an HMAC chain is checked without its secret. */
export class MissingSecretError extends Error {
  override readonly name = 'MissingSecretError';
}

export function createLinkHasher(alg: ChainAlgorithm, secret?: string): LinkHasher {
  // The one-shot hash skips the Hash object: less than half the cost for an event-sized input.
  if (alg === 'sha256') return (text) => oneShotHash('sha256', text, 'hex');
  if (alg !== 'hmac-sha256') throw new TypeError(`unknown chain algorithm ${JSON.stringify(alg)}`);
  if (secret === undefined || secret === '') throw new MissingSecretError('an hmac-sha256 chain can only be checked with its secret');
  return oneShotHmac(secret) ?? hmacWith(createSecretKey(Buffer.from(secret, 'utf8')));
}

/**
 * The same hashes over bytes as they are (what `ferry verify` reads), without decoding
 * them to text and encoding them back: the text's UTF-8 is exactly these bytes.
 */
export function createByteHasher(alg: ChainAlgorithm, secret?: string): (bytes: Uint8Array) => string {
  if (alg === 'sha256') return (bytes) => oneShotHash('sha256', bytes, 'hex');
  if (alg !== 'hmac-sha256') throw new TypeError(`unknown chain algorithm ${JSON.stringify(alg)}`);
  if (secret === undefined || secret === '') throw new MissingSecretError('an hmac-sha256 chain can only be checked with its secret');
  // RFC 2104 from one-shot hashes, as oneShotHmac, with the inner block and the bytes in one
  // reused buffer; a key longer than the block is hashed first. The inner digest comes back
  // as a binary string: a Buffer from crypto.hash costs about 1 µs more (a backing store of
  // its own for 32 bytes), as much as the hashing of an event.
  const key = Buffer.from(secret, 'utf8');
  const padded = Buffer.alloc(BLOCK);
  (key.length > BLOCK ? (oneShotHash('sha256', key, 'buffer') as unknown as Buffer) : key).copy(padded);
  let inner = Buffer.alloc(BLOCK + 4096);
  for (let i = 0; i < BLOCK; i++) inner[i] = (padded[i] as number) ^ 0x36;
  const outer = Buffer.alloc(BLOCK + 32);
  for (let i = 0; i < BLOCK; i++) outer[i] = (padded[i] as number) ^ 0x5c;
  return (bytes) => {
    if (BLOCK + bytes.length > inner.length) {
      const grown = Buffer.alloc(2 * (BLOCK + bytes.length));
      inner.copy(grown, 0, 0, BLOCK);
      inner = grown;
    }
    inner.set(bytes, BLOCK);
    outer.write(oneShotHash('sha256', inner.subarray(0, BLOCK + bytes.length), 'binary'), BLOCK, 'latin1');
    return oneShotHash('sha256', outer, 'hex');
  };
}

function hmacWith(key: KeyObject): LinkHasher {
  return (text) => createHmac('sha256', key).update(text).digest('hex');
}

const BLOCK = 64;

/**
 * HMAC-SHA256 (RFC 2104: H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m))) from two one-shot hashes. An
 * Hmac object costs a few microseconds to create, more than hashing an event: this is
 * about twice as fast per event, and gives the same digest (a test checks it against
 * createHmac). It needs K ⊕ ipad as text that UTF-8 encodes to itself, which holds for a
 * secret of ASCII characters up to 64 bytes (every byte below 0x80, as is 0x36); any
 * other secret gets the Hmac object (undefined here).
 */
function oneShotHmac(secret: string): LinkHasher | undefined {
  const key = Buffer.from(secret, 'utf8');
  if (key.length > BLOCK || key.some((byte) => byte >= 0x80)) return undefined;
  const padded = Buffer.alloc(BLOCK);
  key.copy(padded);
  const inner = Buffer.from(padded.map((byte) => byte ^ 0x36)).toString('latin1');
  const outer = Buffer.alloc(BLOCK + 32);
  for (let i = 0; i < BLOCK; i++) outer[i] = (padded[i] as number) ^ 0x5c;
  return (text) => {
    (oneShotHash('sha256', inner + text, 'buffer') as unknown as Buffer).copy(outer, BLOCK);
    return oneShotHash('sha256', outer, 'hex');
  };
}

/** The hash of `event` linked by `link` (whose own `hash`, if any, is ignored). */
export function linkHash(event: object, link: UnhashedLink | ChainLink, secret?: string): string {
  const { hash: _ignored, ...unhashed } = link as ChainLink;
  return createLinkHasher(link.alg, secret)(recordText(event, canonicalize(unhashed)));
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * The link of a stored record, or undefined when it has none (a record written without the
 * integrity processor carries only `"ferry":{"v":1}`). Malformed links count as none.
 */
export function linkOf(record: Record<string, unknown>): ChainLink | undefined {
  const envelope = record[ENVELOPE_FIELD];
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) return undefined;
  const link = envelope as Partial<ChainLink>;
  if (typeof link.writer !== 'string' || !Number.isSafeInteger(link.seq) || (link.seq as number) < 1) return undefined;
  if (typeof link.hash !== 'string' || !HEX64.test(link.hash) || typeof link.prev !== 'string' || !HEX64.test(link.prev)) return undefined;
  return link as ChainLink;
}

/** The canonical text a stored record's hash must cover (its envelope, every field of it, minus `hash`). */
export function storedRecordText(record: Record<string, unknown>, link: ChainLink): string {
  const { hash: _hash, ...unhashed } = link;
  return recordText(record, canonicalize(unhashed));
}

export { GENESIS };
