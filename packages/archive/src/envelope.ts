import type { JsonValue } from '@ferry/sdk';

/**
 * The version of the record envelope Ferry writes to archives. Bumped when a reader would
 * misread a record of the new shape (see the README's "Schema versions").
 */
export const ENVELOPE_VERSION = 1;

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
