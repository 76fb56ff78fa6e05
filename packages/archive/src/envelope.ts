import type { JsonValue } from '@ferry/sdk';

/**
 * The version of the record envelope Ferry writes to archives. Bumped when a reader would
 * misread a record of the new shape (see the README's "Schema versions"). 1: the event as
 * JSON.stringify wrote it, chained over RFC 8785 canonical JSON (chain.ts); 2: the event as
 * the source sent it, chained over the stored bytes record by record (byte-chain.ts); 3:
 * chained over the stored bytes in blocks of records (block-chain.ts).
 */
export const ENVELOPE_VERSION = 3;

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
/** The member's name and colon without the opening quote: `,"ferry":` contains it. */
const NAME_TAIL = MEMBER.slice(1);
const QUOTE = 0x22;
const COMMA = 0x2c;

/**
 * Whether a record's JSON text (as JSON.stringify writes it) has Ferry's envelope as a
 * top-level member — without parsing it in the common cases: the envelope is the first
 * member, or the last (where the integrity processor puts it). A quote that follows a
 * comma or a brace cannot be inside a string, so the member found is a real one; it is
 * the top-level one when its value ends exactly one `}` before the end of the text.
 * Anything else is decided by parsing.
 */
export function hasEnvelope(line: string): boolean {
  if (line.startsWith(`{${MEMBER}`)) return true;
  // Searched forward by its name without the quote (a pattern that starts with a letter skips
  // to its rare first character; one that starts with a quote, the commonest character of a
  // JSON line, ran about four times slower), and each place it is found checked in place: a
  // backward search from the end (lastIndexOf) cost as much again on every chained record.
  let member = false;
  for (let at = line.indexOf(NAME_TAIL); at !== -1; at = line.indexOf(NAME_TAIL, at + NAME_TAIL.length)) {
    if (at < 2 || line.charCodeAt(at - 1) !== QUOTE || line.charCodeAt(at - 2) !== COMMA) continue;
    member = true;
    const end = valueEnd(line, at + NAME_TAIL.length);
    if (end === line.length - 1 && line.charCodeAt(end) === 0x7d) return true;
  }
  if (!member) return false;
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
