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

const HASH_MEMBER = ',"hash":"';
/** `,"hash":"` + 64 hex digits + `"}}`: the fixed tail of every version-2 chained record. */
export const HASH_TAIL_LENGTH = HASH_MEMBER.length + 64 + 3;
const HEX64 = /^[0-9a-f]{64}$/;

/**
 * What a record's hash covers, in parts around the previous link's hash: `body` (the
 * event's text without its closing brace: a slice, never a copy) + `envelope` (the link up
 * to `"prev":"`) + prev + `tail` (the closing quote, `upstream` if any). In parts, so they
 * can be written into a buffer and hashed on another thread without joining the strings.
 */
export interface CoveredParts {
  readonly body: string;
  readonly envelope: string;
  readonly tail: string;
}

/**
 * Builds the covered parts of one writer's records from event texts (each one JSON object
 * on one line, with no `ferry` member of its own). The constant parts are serialized once.
 */
export function byteRecordParts(writer: string, alg: ChainAlgorithm): (text: string, seq: number, upstream?: string) => CoveredParts {
  const envelope = `"ferry":{"v":${BYTE_CHAIN_VERSION},"writer":${JSON.stringify(writer)},"seq":`;
  const middle = `,"alg":${JSON.stringify(alg)},"prev":"`;
  return (text, seq, upstream) => {
    const body = text.slice(0, text.lastIndexOf('}'));
    const separator = isEmptyObject(body) ? '' : ',';
    return { body, envelope: `${separator}${envelope}${seq}${middle}`, tail: upstream === undefined ? '"' : `","upstream":${upstream}` };
  };
}

/** The text a record's hash covers. */
export function coveredOf(parts: CoveredParts, prev: string): string {
  return `${parts.body}${parts.envelope}${prev}${parts.tail}`;
}

/** The stored record: what its hash covers, then the hash as the envelope's last member. */
export function byteRecordLine(parts: CoveredParts, prev: string, hash: string): string {
  return `${parts.body}${parts.envelope}${prev}${parts.tail}${HASH_MEMBER}${hash}"}}`;
}

/** Builds and hashes the records of one writer's chain on this thread. */
export function byteLinker(writer: string, alg: ChainAlgorithm, hasher: LinkHasher): (text: string, seq: number, prev: string, upstream?: string) => { line: string; hash: string } {
  const partsOf = byteRecordParts(writer, alg);
  return (text, seq, prev, upstream) => {
    const parts = partsOf(text, seq, upstream);
    const hash = hasher(coveredOf(parts, prev));
    return { line: byteRecordLine(parts, prev, hash), hash };
  };
}

/** Whether the text before an object's closing brace is `{` and whitespace: no member for the envelope to follow. */
function isEmptyObject(body: string): boolean {
  let i = body.length - 1;
  while (i >= 0 && (body.charCodeAt(i) === 0x20 || body.charCodeAt(i) === 0x09)) i--;
  return body.charCodeAt(i) === 0x7b;
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
