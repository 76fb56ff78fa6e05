import type { ChainAlgorithm, UnhashedLink } from './envelope.js';
import type { LinkHasher } from './chain.js';

/**
 * The hash chain of envelope version 2: over the stored bytes.
 *
 * A record is the event's text as the source sent it, with Ferry's envelope appended as
 * its last member, always in this form:
 *
 *   <event text without its closing brace>,"ferry":{"v":2,"writer":W,"seq":N,"alg":A,"prev":P[,"upstream":U],"hash":"H"}}
 *
 * H is SHA-256 (or HMAC-SHA256 with the chain's secret) of the UTF-8 bytes of the record
 * up to `,"hash":` — everything before the last 76 characters: the event's every byte, the
 * writer, position, algorithm and previous hash. Version 1 hashed the record's RFC 8785
 * canonical JSON instead, which needs the record decoded and re-encoded at both ends (most
 * of the integrity processor's cost), and which cannot see what canonicalization erases: a
 * number beyond 2^53 changed in its last digits, integer-like keys reordered. Version 2
 * vouches for exactly the bytes an auditor reads. The trade-off: a re-serialized copy of
 * the archive (spacing, key order, escapes changed by a tool) no longer verifies; verify
 * the objects Ferry wrote (S3 Object Lock keeps them), not a copy loaded and re-exported.
 */
export const BYTE_CHAIN_VERSION = 2;

/** The member a hashed record (a version-2 record, a version-3 seal) ends with, before its hash and `"}}`. */
export const HASH_MEMBER = ',"hash":"';
/** `,"hash":"` + 64 hex digits + `"}}`: the fixed tail of every version-2 chained record and version-3 seal. */
export const HASH_TAIL_LENGTH = HASH_MEMBER.length + 64 + 3;
export const HEX64 = /^[0-9a-f]{64}$/;

/**
 * The writer's constant pieces of every envelope: what comes before a record's seq and what
 * comes between its seq and its prev. Serialized once per writer.
 */
export interface RecordForm {
  readonly prefix: string;
  readonly middle: string;
}

export function recordForm(writer: string, alg: ChainAlgorithm): RecordForm {
  return { prefix: `"ferry":{"v":${BYTE_CHAIN_VERSION},"writer":${JSON.stringify(writer)},"seq":`, middle: `,"alg":${JSON.stringify(alg)},"prev":"` };
}

/** What follows prev in the covered text: its closing quote, then the upstream envelope if any. */
export function recordTail(upstream?: string): string {
  return upstream === undefined ? '"' : `","upstream":${upstream}`;
}

/**
 * The text a record's hash covers: the event's text (one JSON object on one line, with no
 * `ferry` member of its own) without its closing brace, then the link up to and with prev
 * and `tail`. An empty object takes the envelope without a joining comma. The plain
 * definition, for `byteLinker` (the reference RecordLinker is tested against).
 */
function coveredText(text: string, seq: number, prev: string, form: RecordForm, tail: string): string {
  const end = closingBrace(text);
  return text.slice(0, end) + envelopeSeparator(text, end) + form.prefix + seq + form.middle + prev + tail;
}

/**
 * Where a chained record's envelope goes, in every version since 2: the index of its text's
 * closing brace. Never -1 for an event (every one is a JSON object): a text that is not one
 * is refused, as the writes after it would start before the record.
 */
export function closingBrace(text: string): number {
  const end = text.lastIndexOf('}');
  if (end < 0) throw new TypeError('a chained record must be a JSON object');
  return end;
}

/** What joins the envelope to the record's last member: a comma, or nothing in an empty object (`{ }`). */
export function envelopeSeparator(text: string, closing: number): string {
  let i = closing - 1;
  while (i >= 0 && (text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x09)) i--;
  return text.charCodeAt(i) === 0x7b ? '' : ',';
}

/** The stored record: what its hash covers, then the hash as the envelope's last member. */
function byteRecordLine(covered: string, hash: string): string {
  return `${covered}${HASH_MEMBER}${hash}"}}`;
}

/** Builds and hashes the records of one writer's chain on this thread. */
export function byteLinker(writer: string, alg: ChainAlgorithm, hasher: LinkHasher): (text: string, seq: number, prev: string, upstream?: string) => { line: string; hash: string } {
  const form = recordForm(writer, alg);
  return (text, seq, prev, upstream) => {
    const covered = coveredText(text, seq, prev, form, recordTail(upstream));
    const hash = hasher(covered);
    return { line: byteRecordLine(covered, hash), hash };
  };
}

/**
 * What a version-2 record's hash covers, or undefined when the line does not end in the
 * form Ferry writes (`,"hash":"<64 hex>"}}`): then it is not byte for byte what Ferry
 * wrote, and cannot be checked.
 */
export function byteChainCovered(line: string): string | undefined {
  const at = line.length - HASH_TAIL_LENGTH;
  if (at <= 0 || !line.startsWith(HASH_MEMBER, at) || !line.endsWith('"}}')) return undefined;
  if (!HEX64.test(line.slice(at + HASH_MEMBER.length, line.length - 3))) return undefined;
  return line.slice(0, at);
}

/** A link as version 2 writes it (for tests and readers that build one by hand). */
export type ByteLink = UnhashedLink & { readonly hash: string };
