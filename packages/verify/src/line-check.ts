import { hash as oneShotHash } from 'node:crypto';
import { BLOCK_CHAIN_VERSION, BYTE_CHAIN_VERSION, createByteHasher, createLinkHasher, ENVELOPE_FIELD, HASH_MEMBER as HASH_MEMBER_TEXT, HASH_TAIL_LENGTH, ENVELOPE_VERSION, linkOf, MissingSecretError, sealCovered, type ChainAlgorithm, type LinkHasher } from '@ferry/archive';
import { coveredText } from './chain-check.js';
import { duplicateName } from './strict-json.js';

/**
 * What one archive line says, worked out without knowing any other line: decoded, its
 * link's hash recomputed, its day. This is most of verify's work, and it can run anywhere
 * (on worker threads, many objects at once); what needs the lines in order — following
 * each chain — is done with the results (ChainChecker).
 */
export type LineResult =
  | { readonly kind: 'empty' }
  | { readonly kind: 'damage'; readonly problem: string }
  | { readonly kind: 'unchained'; readonly day: string }
  | {
      readonly kind: 'record';
      readonly day: string;
      readonly writer: string;
      readonly seq: number;
      readonly v: number;
      readonly alg: string;
      readonly prev: string;
      readonly hash: string;
      /** Whether the hash holds; undefined when it cannot be known (no secret for an HMAC chain). */
      readonly holds: boolean | undefined;
      /** A version-2 line not in the form Ferry writes (so its hash cannot hold). */
      readonly notAsWritten: boolean;
      /** Version 1 only: the text is not JSON.stringify's (re-serialized since). */
      readonly reformatted: boolean;
      /** A member the text has twice, if any. */
      readonly ambiguous: string | undefined;
    }
  | BlockRecord;

/**
 * A record of envelope version 3: its own hash does not exist, its block's is checked by
 * the ChainChecker, which sees the records in order. `bytes` is only valid during the
 * check of this line (a view of the object's stream).
 */
export interface BlockRecord {
  readonly kind: 'block';
  readonly day: string;
  readonly writer: string;
  readonly seq: number;
  readonly v: number;
  /** SHA-256 of the line as stored: tells an identical duplicate from a changed copy. */
  readonly digest: string;
  /** A member: the line; a seal: what its hash covers of it (undefined when the line does not end as Ferry writes seals). */
  readonly bytes: Uint8Array | undefined;
  /** Only on a seal, the record closing its block. */
  readonly seal: { readonly alg: string; readonly first: number; readonly prev: string; readonly hash: string } | undefined;
}

/** The UTC day of an ISO-8601 `createdAt` (`2026-03-01`), or `unknown`. */
export function dayOf(createdAt: unknown): string {
  if (typeof createdAt !== 'string') return 'unknown';
  if (createdAt.length >= 20 && createdAt.endsWith('Z') && createdAt.charCodeAt(10) === 0x54) return createdAt.slice(0, 10);
  const ms = Date.parse(createdAt);
  return Number.isNaN(ms) ? 'unknown' : new Date(ms).toISOString().slice(0, 10);
}

/** The hashers of one check, made once per algorithm (a missing secret is remembered as the error). */
export class Hashers {
  readonly #secret: string | undefined;
  readonly #made = new Map<string, LinkHasher | MissingSecretError>();
  readonly #byteHashers = new Map<string, ((bytes: Uint8Array) => string) | undefined>();

  constructor(secret: string | undefined) {
    this.#secret = secret;
  }

  /** A hasher over bytes (the verify fast path), or undefined when none can be made. */
  bytes(alg: string): ((bytes: Uint8Array) => string) | undefined {
    let hasher = this.#byteHashers.get(alg);
    if (hasher === undefined && !this.#byteHashers.has(alg)) {
      try {
        hasher = createByteHasher(alg as ChainAlgorithm, this.#secret);
      } catch {
        hasher = undefined;
      }
      this.#byteHashers.set(alg, hasher);
    }
    return hasher;
  }

  of(alg: string): LinkHasher | MissingSecretError {
    let hasher = this.#made.get(alg);
    if (hasher === undefined) {
      try {
        hasher = createLinkHasher(alg as ChainAlgorithm, this.#secret);
      } catch (error) {
        hasher = error instanceof MissingSecretError ? error : new MissingSecretError(`unknown algorithm ${JSON.stringify(alg)}`);
      }
      this.#made.set(alg, hasher);
    }
    return hasher;
  }
}

const ENVELOPE_MEMBER = Buffer.from(',"ferry":');
const HASH_MEMBER = Buffer.from(HASH_MEMBER_TEXT);
const CREATED_AT = Buffer.from('"createdAt":"');
const TAIL = HASH_TAIL_LENGTH;

/**
 * `createdAt`'s day read from the bytes, when it is the top-level member as Grantex writes
 * events (`{"id":…,"type":…,"createdAt":"2026-03-01T…Z",…}`): the first `"createdAt":"`
 * after a comma or the opening brace, with no object or array opened before it, is that
 * member (a quote outside an escape is always a string's delimiter). Undefined otherwise.
 */
function fastDay(bytes: Buffer): string | undefined {
  const at = bytes.indexOf(CREATED_AT);
  if (at <= 0) return undefined;
  const before = bytes[at - 1];
  if ((before !== 0x2c && before !== 0x7b) || bytes.lastIndexOf(0x7b, at) !== 0 || bytes.lastIndexOf(0x5b, at) !== -1) return undefined;
  const start = at + CREATED_AT.length;
  const end = bytes.indexOf(0x22, start);
  if (end === -1 || bytes.indexOf(0x5c, start) !== -1 && bytes.indexOf(0x5c, start) < end) return undefined;
  return dayOf(bytes.toString('latin1', start, end));
}

/**
 * A record read from its bytes without decoding the event, only the envelope (the last
 * member, which Ferry wrote): a version-3 record (its block is checked later, in order), or
 * a version-2 record whose own hash holds. Undefined for anything else (another version, a
 * line not as written, a hash that does not hold), which the full check then explains.
 */
function fastRecord(bytes: Buffer, hashers: Hashers): LineResult | undefined {
  const n = bytes.length;
  if (n < 2 || bytes[n - 1] !== 0x7d || bytes[n - 2] !== 0x7d) return undefined;
  // Records ending `,"ferry":{…}}`, where `{…}` holds no object: version 3's, and version 2's without upstream.
  const at = bytes.lastIndexOf(ENVELOPE_MEMBER);
  if (at === -1) return undefined;
  const tail = n - TAIL;
  let envelope: Record<string, unknown>;
  try {
    envelope = JSON.parse(bytes.toString('utf8', at + ENVELOPE_MEMBER.length, bytes.length - 1)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (envelope.v === BLOCK_CHAIN_VERSION) return blockRecord(bytes, envelope, () => fastDay(bytes));
  const { v, writer, seq, alg, prev, hash } = envelope;
  if (tail <= at || bytes.compare(HASH_MEMBER, 0, HASH_MEMBER.length, tail, tail + HASH_MEMBER.length) !== 0 || bytes[n - 3] !== 0x22) return undefined;
  if (v !== BYTE_CHAIN_VERSION || typeof writer !== 'string' || typeof alg !== 'string' || typeof prev !== 'string' || typeof hash !== 'string') return undefined;
  if (!Number.isSafeInteger(seq) || (seq as number) < 1 || prev.length !== 64) return undefined;
  const hasher = hashers.bytes(alg);
  if (hasher === undefined || hasher(bytes.subarray(0, tail)) !== hash) return undefined;
  const day = fastDay(bytes) ?? dayOf((JSON.parse(bytes.toString('utf8')) as { createdAt?: unknown }).createdAt);
  return { kind: 'record', day, writer, seq: seq as number, v, alg, prev, hash, holds: true, notAsWritten: false, reformatted: false, ambiguous: undefined };
}

/** Checks one line of an archive object, given as its bytes. */
export function checkLineBytes(bytes: Buffer, hashers: Hashers): LineResult {
  if (bytes.length === 0) return { kind: 'empty' };
  // Nearly every line of an archive written since envelope version 2.
  return fastRecord(bytes, hashers) ?? checkLine(bytes.toString('utf8'), hashers);
}

/** Checks one line of an archive object, decoded. */
export function checkLine(text: string, hashers: Hashers): LineResult {
  if (text === '') return { kind: 'empty' };
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { kind: 'damage', problem: 'the line is not JSON' };
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return { kind: 'damage', problem: 'the line is not a JSON object' };
  const day = dayOf(record.createdAt);
  const envelope = record[ENVELOPE_FIELD] as Record<string, unknown> | undefined;
  if (typeof envelope === 'object' && envelope !== null && envelope.v === BLOCK_CHAIN_VERSION) {
    const found = blockRecord(Buffer.from(text, 'utf8'), envelope, () => day);
    if (found !== undefined) return found;
  }
  if (typeof envelope === 'object' && envelope !== null && typeof envelope.v === 'number' && envelope.v > ENVELOPE_VERSION && typeof envelope.writer === 'string' && Number.isSafeInteger(envelope.seq)) {
    // A chained record of a version this verify does not know (whatever its fields): the checker says so.
    const { v, writer, seq, alg, prev, hash } = envelope;
    return { kind: 'record', day, writer, seq: seq as number, v, alg: String(alg), prev: String(prev), hash: String(hash), holds: undefined, notAsWritten: false, reformatted: false, ambiguous: undefined };
  }
  const link = linkOf(record);
  if (link === undefined) return { kind: 'unchained', day };
  // Version 2 hashes the bytes: a line whose hash holds is exactly what Ferry wrote. Version 1
  // wrote JSON.stringify's text; any other text was re-serialized since, and only then is it
  // worth scanning for a member given twice.
  const v2 = typeof link.v === 'number' && link.v >= BYTE_CHAIN_VERSION;
  const reformatted = !v2 && JSON.stringify(record) !== text;
  const covered = coveredText(text, record, link);
  const hasher = hashers.of(String(link.alg));
  const holds = hasher instanceof Error ? undefined : covered !== undefined && hasher(covered) === link.hash;
  return {
    kind: 'record',
    day,
    writer: link.writer,
    seq: link.seq,
    v: link.v,
    alg: String(link.alg),
    prev: link.prev,
    hash: link.hash,
    holds,
    notAsWritten: v2 && covered === undefined,
    reformatted,
    ambiguous: reformatted ? duplicateName(text) : undefined,
  };
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * A version-3 record from its envelope, or undefined when the envelope is not one (no
 * writer or seq: then it is an unchained record). A seal is one with a hash; one whose
 * other fields are malformed is still a seal, whose block then cannot hold.
 */
function blockRecord(bytes: Buffer, envelope: Record<string, unknown>, day: () => string | undefined): BlockRecord | undefined {
  const { writer, seq, alg, first, prev, hash } = envelope;
  if (typeof writer !== 'string' || !Number.isSafeInteger(seq) || (seq as number) < 1) return undefined;
  const digest = oneShotHash('sha256', bytes, 'hex');
  const found = (fields: Pick<BlockRecord, 'bytes' | 'seal'>): BlockRecord => ({
    kind: 'block',
    day: day() ?? dayOf((JSON.parse(bytes.toString('utf8')) as { createdAt?: unknown }).createdAt),
    writer,
    seq: seq as number,
    v: BLOCK_CHAIN_VERSION,
    digest,
    ...fields,
  });
  if (hash === undefined) return found({ bytes, seal: undefined });
  const wellFormed = typeof hash === 'string' && HEX64.test(hash) && typeof prev === 'string' && HEX64.test(prev) && typeof alg === 'string' && Number.isSafeInteger(first) && (first as number) >= 1 && (first as number) <= (seq as number);
  const seal = { alg: String(alg), first: Number.isSafeInteger(first) ? (first as number) : 0, prev: String(prev), hash: String(hash) };
  return found({ bytes: wellFormed ? sealCovered(bytes) : undefined, seal });
}
