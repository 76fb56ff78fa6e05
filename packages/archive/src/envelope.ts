import type { JsonValue } from '@ferry/sdk';

/**
 * The version of the record envelope Ferry writes to archives. Bumped when a reader would
 * misread a record of the new shape (see the README's "Schema versions"). 1: the event as
 * JSON.stringify wrote it, chained over RFC 8785 canonical JSON (chain.ts); 2: the event as
 * the source sent it, chained over the stored bytes (byte-chain.ts).
 */
export const ENVELOPE_VERSION = 2;

/** The top-level field of an archived record that carries Ferry's envelope: `{ "v": 1, … }`. */
export const ENVELOPE_FIELD = 'ferry';

/** Object metadata keys (S3 user metadata, `x-amz-meta-*`) every archive object carries. */
export const OBJECT_METADATA = {
  envelopeVersion: 'ferry-envelope-version',
  events: 'ferry-events',
  firstSeq: 'ferry-first-seq',
  batchId: 'ferry-batch-id',
} as const;

/**
 * `prev` of the first link of a chain (seq 1): 64 zeros. A writer's chain starts here once,
 * or once per start when it runs without storage (a new chain epoch).
 */
export const GENESIS = '0'.repeat(64);

/** `sha256` without a secret; `hmac-sha256` (keyed with the chain's secret) with one. */
export type ChainAlgorithm = 'sha256' | 'hmac-sha256';

/**
 * The envelope of a record the integrity processor vouches for, `"ferry": {…}`:
 * which writer's chain, the position in it, the algorithm, the previous link's hash and
 * this record's hash. `hash` covers the whole record (RFC 8785 canonical JSON) with this
 * envelope minus `hash` itself, so `prev`, `seq` and `writer` are covered too.
 */
export interface ChainLink {
  readonly v: number;
  readonly writer: string;
  readonly seq: number;
  readonly alg: ChainAlgorithm;
  readonly prev: string;
  readonly hash: string;
  /** The `ferry` field the event already had when it arrived (an upstream Ferry's), kept and covered. */
  readonly upstream?: JsonValue;
}

/** A link before its hash is known. */
export type UnhashedLink = Omit<ChainLink, 'hash'>;

const MEMBER = `"${ENVELOPE_FIELD}":`;

/**
 * Whether the record ends with the envelope as the integrity processor writes it (version
 * 2, no `upstream`): `,"ferry":{"v":2,"writer":W,"seq":N,"alg":A,"prev":P,"hash":H}}`.
 * It holds no object or array, so the `}` after its hash closes it and the last `}` closes
 * the record: matched there, it is the record's own top-level member, with no scan for
 * nesting (the common case in an archive). Checked by hand from the fixed end backwards,
 * then the writer and seq, with no search through the event's text: 0.15 µs a line where a
 * search for the member and a regular expression took 1.
 */
function isChainedTail(line: string): boolean {
  const end = line.length;
  // ,"prev":"<64>","hash":"<64>"}} — the two values hold no quote and no backslash, so they
  // are the plain strings they look like (whether they are hex is verify's concern, not
  // this one's: the question here is only where the member ends).
  const prevAt = end - CHAINED_END_LENGTH;
  const prevValue = prevAt + PREV_MEMBER.length;
  const hashValue = end - 67;
  if (prevAt <= 0 || !line.endsWith('"}}') || !line.startsWith(PREV_MEMBER, prevAt) || !line.startsWith(HASH_MEMBER, prevValue + 64)) return false;
  if (line.indexOf('"', prevValue) !== prevValue + 64 || line.indexOf('"', hashValue) !== hashValue + 64 || line.indexOf('\\', prevAt) !== -1) return false;
  const algAt = line.endsWith(ALG_HMAC, prevAt) ? prevAt - ALG_HMAC.length : line.endsWith(ALG_SHA256, prevAt) ? prevAt - ALG_SHA256.length : -1;
  if (algAt === -1) return false;
  // No `,"ferry":` can follow this one unescaped (the writer is a JSON string): it is the last.
  const at = line.lastIndexOf(CHAINED_HEAD, algAt);
  if (at === -1) return false;
  // The writer: a JSON string (escapes skipped), then "seq" and its digits up to the algorithm.
  let i = at + CHAINED_HEAD.length;
  for (; i < algAt; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) break;
  }
  if (!line.startsWith(SEQ_MEMBER, i)) return false;
  const digits = i + SEQ_MEMBER.length;
  if (digits >= algAt) return false;
  for (let d = digits; d < algAt; d++) {
    const c = line.charCodeAt(d);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

const CHAINED_HEAD = `,${MEMBER}{"v":2,"writer":"`;
const SEQ_MEMBER = '","seq":';
const ALG_SHA256 = ',"alg":"sha256"';
const ALG_HMAC = ',"alg":"hmac-sha256"';
const PREV_MEMBER = ',"prev":"';
const HASH_MEMBER = '","hash":"';
/** From `,"prev":"` to the record's end. */
const CHAINED_END_LENGTH = PREV_MEMBER.length + 64 + HASH_MEMBER.length + 64 + 3;

/**
 * Whether a record's JSON text (as JSON.stringify writes it) has Ferry's envelope as a
 * top-level member — without parsing it in the common cases: the envelope is the first
 * member, or the last (where the integrity processor puts it). A quote that follows a
 * comma or a brace cannot be inside a string, so the member found is a real one; it is
 * the top-level one when its value ends exactly one `}` before the end of the text.
 * Anything else is decided by parsing.
 */
export function hasEnvelope(line: string): boolean {
  if (line.startsWith(`{${MEMBER}`) || isChainedTail(line)) return true;
  const at = line.lastIndexOf(`,${MEMBER}`);
  if (at === -1) return false;
  const end = valueEnd(line, at + 1 + MEMBER.length);
  if (end === line.length - 1 && line.charCodeAt(end) === 0x7d) return true;
  try {
    const record = JSON.parse(line) as Record<string, unknown>;
    return typeof record === 'object' && record !== null && Object.hasOwn(record, ENVELOPE_FIELD);
  } catch {
    return false;
  }
}

/** The index just past the JSON object or array starting at `start` (-1 if it is neither or never ends). */
function valueEnd(text: string, start: number): number {
  const open = text.charCodeAt(start);
  if (open !== 0x7b && open !== 0x5b) return -1;
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}
