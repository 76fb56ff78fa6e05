/** A line of an archive object (1-based), or the object itself when `line` is 0. */
export interface Place {
  readonly key: string;
  readonly line: number;
}

export type ProblemKind =
  /** The record does not match its own hash: modified, or forged without the key. */
  | 'modified'
  /** Its `prev` is not the hash of the record before it: a record was replaced or inserted. */
  | 'unlinked'
  /** It comes after a record with a higher sequence number. */
  | 'reordered'
  /** Another record with different content already holds its position: one was inserted. */
  | 'conflict'
  /** It repeats a position too far back to tell whether it is a duplicate. */
  | 'beyond-window'
  /** The text has a member name twice: readers disagree on what it says. */
  | 'ambiguous'
  /** Its envelope is newer than this verify knows. */
  | 'version'
  /** An HMAC chain without its secret, or with a secret that is not its own. */
  | 'secret'
  /** A writer that is not among the expected ones. */
  | 'unknown-writer';

/** Why an object or a line could not be read. */
export interface Damage extends Place {
  readonly problem: string;
}

export interface ChainProblem extends Place {
  readonly kind: ProblemKind;
  /** The record's sequence number, when it has one. */
  readonly seq?: number;
  readonly problem: string;
}

/** Sequence numbers missing from a writer's chain, with the records around them. */
export interface Gap {
  /** The missing sequence numbers, inclusive. */
  readonly from: number;
  readonly to: number;
  /** The last record before the gap (undefined: the chain's beginning is missing). */
  readonly after: Place | undefined;
  /** The first record after it. */
  readonly before: Place;
}

/**
 * A chain that starts over at seq 1 (from the genesis value) after records of an earlier
 * one: the collector restarted without storage. The chains on either side each verify, but
 * records the collector held at the restart cannot be proven complete.
 */
export interface Epoch {
  readonly start: Place;
  /** The last sequence number of the epoch before. */
  readonly after: number;
}

/**
 * Version 3: records at the end of a chain (of the archive, or of an epoch) whose block's
 * seal is not in the archive: the rest of the block was not yet written when the archive
 * was read (an export in flight), or the archive was cut there. Not vouched for (not
 * counted as verified), and not a failure: a cut at a block's end cannot be seen either,
 * and a seal missing before later records of the writer is a gap.
 */
export interface Unsealed {
  readonly from: number;
  readonly to: number;
  readonly start: Place;
  readonly end: Place;
}

export interface WriterReport {
  readonly writer: string;
  /** The algorithm of the writer's most recent link. */
  alg: string;
  /** Records whose hash (in version 3, their block's) holds, in their place in the chain (duplicates not counted). */
  verified: number;
  /**
   * Version 3, with allowMissingStart: records of a block that begins before the archive
   * (its first records expired), so its hash cannot be recomputed. Not vouched for, and
   * not a failure, as the missing beginning is not.
   */
  beforeArchive: number;
  /** The first and last sequence numbers seen (of the current epoch for `lastSeq`). */
  firstSeq: number;
  lastSeq: number;
  /** Records identical to one already seen (same seq, same hash, content matching it): at-least-once delivery, not tampering. */
  duplicates: number;
  readonly gaps: Gap[];
  readonly epochs: Epoch[];
  /** Version 3: records at the end of the chain (or of an epoch) still waiting for their block's seal. */
  readonly unsealed: Unsealed[];
  /** The first problem (the first broken link), if any. */
  broken: ChainProblem | undefined;
  /** The first 100 problems, in archive order. */
  readonly problems: ChainProblem[];
  /** How many problems in all. */
  problemCount: number;
}

export interface VerifyReport {
  /** What was read: the directory or `s3://bucket/prefix`. */
  readonly source: string;
  /** True only when every chain holds: no problem, no gap, no damaged object, no record without a link. */
  ok: boolean;
  /** Archive objects read (keys in Ferry's layout). */
  objects: number;
  /** Other objects under the source, not read (a start check's marker, a README). */
  ignored: number;
  /** Records read, duplicates included. */
  records: number;
  /** Records without an integrity link (written without the integrity processor, or forged). */
  unchained: number;
  /** Where the first few unchained records are. */
  readonly unchainedAt: Place[];
  /** Records whose text is not compact JSON as Ferry writes it (re-serialized since: spacing, escapes); their content is still checked. */
  reformatted: number;
  readonly writers: WriterReport[];
  /** Expected writers (`writers` option) with no record in the archive. */
  readonly missingWriters: string[];
  /**
   * Records per UTC day of `createdAt`, compare with the source's own counts. Duplicates of
   * chained records are not counted; records without a chain are counted every time they
   * appear, since nothing tells their copies apart.
   */
  readonly perDay: Record<string, number>;
  /** Objects that could not be read to their end (a truncated gzip names the line it ends in), and lines that are not JSON: the first 1,000. */
  readonly damaged: Damage[];
  /** How many in all. */
  damagedCount: number;
}
