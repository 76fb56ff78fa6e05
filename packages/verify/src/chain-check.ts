import { byteChainCovered, BYTE_CHAIN_VERSION, ENVELOPE_VERSION, GENESIS, storedRecordText, type ChainLink } from '@ferry/archive';
import type { BlockRecord, Hashers, LineResult } from './line-check.js';
import { OpenBlock } from './open-block.js';
import { RecentLinks } from './recent-links.js';
import type { ChainProblem, Place, ProblemKind, WriterReport } from './report.js';

const PROBLEMS_KEPT = 100;

export interface ChainCheckOptions {
  readonly secret?: string | undefined;
  /** How many recent links per writer are remembered to recognise duplicates (default 100,000). */
  readonly duplicateWindow?: number | undefined;
  /** The archive may begin in the middle of a chain (older objects expired, or a sub-prefix): a missing beginning is not a gap. */
  readonly allowMissingStart?: boolean | undefined;
  /** The writers expected; any other writer's records fail. */
  readonly writers?: readonly string[] | undefined;
  /**
   * Records at the end of a chain that await their block's seal fail the check, instead of
   * being listed: for an archive no collector writes to any more, where the seal cannot be
   * still on its way.
   */
  readonly requireSealed?: boolean | undefined;
}

interface WriterState {
  readonly report: WriterReport;
  head: string;
  last: Place | undefined;
  /** Recent links by sequence number; old ones leave by number, as sequence numbers only grow. */
  readonly recent: RecentLinks;
  /** Records (blocks, in version 3) whose HMAC matched / did not: all mismatched means a wrong secret, not a wrong archive. */
  matched: number;
  mismatched: number;
  /** 'modified' problems found, replaced by one 'secret' problem when every HMAC fails. */
  modified: number;
  first: Place;
  secretMissing: boolean;
  /** Version 3: the block being read, until its seal. */
  readonly block: OpenBlock;
  /** Whether `matched` and `mismatched` count blocks (version 3) rather than records. */
  sealsChecked: boolean;
}

/** A chained record as `checkLine` found it. */
export type RecordResult = Extract<LineResult, { kind: 'record' }>;
type LinkFields = Pick<RecordResult, 'writer' | 'seq' | 'prev' | 'hash' | 'alg'>;
/** What #behind compares: the position, and what an identical copy shares (a version-2 hash, a version-3 line digest). */
interface Position {
  readonly seq: number;
  readonly identity: string;
  /** Whether a record at seq 1 may begin a new epoch (it links to the genesis value, or cannot say). */
  readonly mayStartEpoch: boolean;
}

/** What became of a record. */
export type Outcome = 'linked' | 'duplicate' | 'problem';

/**
 * Follows every writer's chain record by record in archive order. Per writer it keeps the
 * last link and a bounded window of recent ones — never the archive.
 */
export class ChainChecker {
  readonly writers: WriterReport[] = [];
  readonly #states = new Map<string, WriterState>();
  readonly #window: number;
  readonly #options: ChainCheckOptions;
  readonly #expected: ReadonlySet<string> | undefined;

  readonly #hashers: Hashers;

  constructor(options: ChainCheckOptions, hashers: Hashers) {
    this.#options = options;
    this.#hashers = hashers;
    this.#window = Math.max(1, options.duplicateWindow ?? 100_000);
    this.#expected = options.writers === undefined ? undefined : new Set(options.writers);
  }

  /** Checks one stored record, from what `checkLine` found in it, in archive order. */
  check(found: RecordResult | BlockRecord, place: Place): Outcome {
    return found.kind === 'block' ? this.#checkBlockRecord(found, place) : this.#checkRecord(found, place);
  }

  /** A record of version 1 or 2, which carries its own hash. */
  #checkRecord(found: RecordResult, place: Place): Outcome {
    const link = found;
    const state = this.#state(link.writer, link.seq, link.prev, place);
    const w = state.report;
    if (typeof link.v !== 'number' || link.v > ENVELOPE_VERSION) {
      this.#problem(state, place, 'version', link.seq, `record ${link.seq} has envelope version ${JSON.stringify(link.v)}, newer than this ferry verify knows (${ENVELOPE_VERSION}): upgrade Ferry to check it`);
      return 'problem';
    }
    w.alg = String(link.alg);
    let problem = false;
    if (found.ambiguous !== undefined) {
      problem = this.#problem(state, place, 'ambiguous', link.seq, `record ${link.seq} has the member "${found.ambiguous}" twice: JSON readers disagree on what it says`);
    }
    const hashHolds = this.#hashHolds(state, found, place);
    if (hashHolds === false) {
      const why = found.notAsWritten
        ? `record ${link.seq} is not byte for byte as Ferry wrote it (its envelope version ${link.v} hashes the stored bytes, and the line does not end in the link as written): it was modified, or re-serialized by a tool`
        : `record ${link.seq} does not match its hash: it was modified, or forged without the chain's key`;
      problem = this.#problem(state, place, 'modified', link.seq, why);
    }

    if (link.seq <= w.lastSeq) {
      const behind = this.#behind(state, { seq: link.seq, identity: link.hash, mayStartEpoch: link.prev === GENESIS }, place, hashHolds);
      if (behind !== 'epoch') return behind ?? (problem ? 'problem' : 'duplicate');
    }

    if (link.seq === w.lastSeq + 1) {
      if (link.prev !== state.head) {
        const before = state.last === undefined ? 'the genesis value' : `record ${w.lastSeq} (${at(state.last)})`;
        problem = this.#problem(state, place, 'unlinked', link.seq, `record ${link.seq} does not link to ${before}: its prev is not that record's hash, so a record was replaced or inserted`);
      }
    } else {
      w.gaps.push({ from: w.lastSeq + 1, to: link.seq - 1, after: state.last, before: place });
    }
    this.#advance(state, link, place, hashHolds === true && !problem);
    return problem ? 'problem' : 'linked';
  }

  /**
   * A record of version 3: placed in its writer's chain like any other, and gathered into
   * its block, whose hash is checked when the seal arrives. A gap ends the block being read
   * (its seal is in the gap, which is reported); the next record begins one.
   */
  #checkBlockRecord(found: BlockRecord, place: Place): Outcome {
    const state = this.#state(found.writer, found.seq, undefined, place);
    const w = state.report;
    const seal = found.seal;
    if (seal !== undefined) w.alg = seal.alg;
    if (found.seq <= w.lastSeq) {
      const behind = this.#behind(state, { seq: found.seq, identity: found.digest, mayStartEpoch: seal === undefined || (seal.first === 1 && seal.prev === GENESIS) }, place, undefined);
      if (behind !== 'epoch') return behind ?? 'duplicate';
    }
    const block = state.block;
    const contiguous = found.seq === w.lastSeq + 1;
    if (!contiguous) {
      w.gaps.push({ from: w.lastSeq + 1, to: found.seq - 1, after: state.last, before: place });
      block.close();
    }
    if (!block.open) block.begin(found.seq, place, contiguous && (state.last !== undefined || found.seq === 1), state.last);
    w.lastSeq = found.seq;
    state.last = place;
    state.recent.set(found.seq, found.digest, place);
    if (seal === undefined) {
      if (found.bytes !== undefined) block.member(found.bytes, place);
      return 'linked';
    }
    return this.#seal(state, found, seal, place) ? 'problem' : 'linked';
  }

  /** Checks a block at its seal; true when a problem was found. */
  #seal(state: WriterState, found: BlockRecord, seal: NonNullable<BlockRecord['seal']>, place: Place): boolean {
    const block = state.block;
    const records = `records ${block.first}–${found.seq} (${at(block.start)} to ${at(place)})`;
    const covered = found.bytes === undefined ? undefined : block.seal(found.bytes, place);
    const head = state.head;
    state.head = seal.hash;
    block.close();
    if (covered === undefined) {
      return this.#problem(state, place, 'modified', found.seq, `record ${found.seq} is not byte for byte as Ferry wrote it (its envelope version 3 seals a block of the stored bytes, and the line does not end in the seal as written): it was modified, or re-serialized by a tool`);
    }
    if (seal.first !== block.first) {
      // The block began before the records read here: its beginning is in a gap (reported) or before the archive.
      if (seal.first < block.first && !block.contiguous) {
        if (block.first === state.report.firstSeq) state.report.beforeArchive += block.records;
        return false;
      }
      return this.#problem(state, block.start, 'modified', block.first, `${records} are not the block record ${found.seq} seals (records ${seal.first}–${found.seq}): a seal was removed or records were inserted`);
    }
    if (block.overflow) return this.#problem(state, block.start, 'modified', block.first, `${records} are more than a block holds (100 records, about 1 MiB of text): not as Ferry writes them`);
    const hasher = this.#hashers.bytes(seal.alg);
    if (hasher === undefined) {
      this.#cannotCheck(state, place, seal.alg, found.seq);
      return false;
    }
    let problem = false;
    state.sealsChecked = true;
    if (hasher(covered) === seal.hash) {
      state.matched++;
      state.report.verified += block.records;
    } else {
      state.mismatched++;
      problem = this.#problem(state, block.start, 'modified', block.first, `${records} do not match their block's hash (record ${found.seq}): one of them was modified, or forged without the chain's key`);
    }
    if (block.contiguous && seal.prev !== head) {
      const before = block.after === undefined ? 'the genesis value' : `record ${block.first - 1} (${at(block.after)})`;
      problem = this.#problem(state, block.start, 'unlinked', block.first, `${records} do not link to ${before}: their block's prev is not that record's hash, so a block was replaced or inserted`);
    }
    return problem;
  }

  /** Records of a block whose seal is not in the archive, at the end of a chain: listed, not vouched for. */
  #unsealed(state: WriterState): void {
    const block = state.block;
    if (!block.open) return;
    block.close();
    state.report.unsealed.push({ from: block.first, to: block.first + block.records - 1, start: block.start, end: block.last });
  }

  /** A record whose position is at or before the last one: a duplicate, a new epoch, or a problem. */
  #behind(state: WriterState, position: Position, place: Place, hashHolds: boolean | undefined): Outcome | 'epoch' | undefined {
    const w = state.report;
    const earlier = state.recent.get(position.seq);
    if (earlier !== undefined && earlier.hash === position.identity) {
      if (hashHolds === false) return 'problem';
      w.duplicates++;
      return undefined;
    }
    if (position.seq === 1 && position.mayStartEpoch) {
      this.#unsealed(state);
      w.epochs.push({ start: place, after: w.lastSeq });
      state.recent.clear();
      state.head = GENESIS;
      state.last = undefined;
      w.lastSeq = 0;
      return 'epoch';
    }
    const gap = w.gaps.findIndex((g) => g.from <= position.seq && position.seq <= g.to);
    if (gap !== -1) {
      const g = w.gaps[gap] as WriterReport['gaps'][number];
      const rest = [
        ...(g.from < position.seq ? [{ ...g, to: position.seq - 1 }] : []),
        ...(position.seq < g.to ? [{ ...g, from: position.seq + 1 }] : []),
      ];
      w.gaps.splice(gap, 1, ...rest);
      this.#problem(state, place, 'reordered', position.seq, `record ${position.seq} is out of order: it comes after record ${w.lastSeq} (${at(state.last as Place)})`);
      return 'problem';
    }
    if (earlier !== undefined) {
      this.#problem(state, place, 'conflict', position.seq, `record ${position.seq} differs from the record ${position.seq} at ${at(earlier.place)}: two records claim one position, so one was inserted or forged`);
      return 'problem';
    }
    this.#problem(
      state,
      place,
      'beyond-window',
      position.seq,
      `record ${position.seq} repeats a position more than ${this.#window.toLocaleString('en-US')} records back (now at ${w.lastSeq}): too far to tell whether it is an identical duplicate (raise duplicateWindow)`,
    );
    return 'problem';
  }

  #advance(state: WriterState, link: LinkFields, place: Place, verified: boolean): void {
    const w = state.report;
    state.head = link.hash;
    state.last = place;
    w.lastSeq = link.seq;
    if (verified) w.verified++;
    state.recent.set(link.seq, link.hash, place);
  }

  /** True or false, or undefined when it cannot be known (an HMAC chain without its secret). */
  #hashHolds(state: WriterState, found: RecordResult, place: Place): boolean | undefined {
    if (found.holds === undefined) {
      this.#cannotCheck(state, place, found.alg, found.seq);
      return undefined;
    }
    if (found.holds) state.matched++;
    else state.mismatched++;
    return found.holds;
  }

  /** Said once per writer: its links cannot be checked (no secret for an HMAC chain, or an algorithm not known). */
  #cannotCheck(state: WriterState, place: Place, alg: string, seq: number): void {
    if (state.secretMissing) return;
    state.secretMissing = true;
    const why = alg === 'hmac-sha256' ? 'an hmac-sha256 chain can only be checked with its secret' : `unknown algorithm ${JSON.stringify(alg)}`;
    this.#problem(state, place, 'secret', seq, `cannot check its ${alg} links: ${why} (give it in FERRY_VERIFY_SECRET or a secret file)`);
  }

  /** The writer's state, made at its first record (`prev`: that record's, when it names one). */
  #state(writer: string, seq: number, prev: string | undefined, place: Place): WriterState {
    let state = this.#states.get(writer);
    if (state !== undefined) return state;
    const report: WriterReport = {
      writer: writer,
      alg: '',
      verified: 0,
      beforeArchive: 0,
      firstSeq: seq,
      lastSeq: seq - 1,
      duplicates: 0,
      gaps: [],
      epochs: [],
      unsealed: [],
      broken: undefined,
      problems: [],
      problemCount: 0,
    };
    // The first record seen links to the genesis value when the chain starts here; when the
    // archive begins mid-chain, to a record that is not in it, which only a gap can report.
    state = {
      report,
      head: seq === 1 ? GENESIS : (prev ?? ''),
      last: undefined,
      recent: new RecentLinks(this.#window),
      matched: 0,
      mismatched: 0,
      modified: 0,
      first: place,
      secretMissing: false,
      block: new OpenBlock(),
      sealsChecked: false,
    };
    if (seq > 1 && this.#options.allowMissingStart !== true) report.gaps.push({ from: 1, to: seq - 1, after: undefined, before: place });
    this.#states.set(writer, state);
    this.writers.push(report);
    if (this.#expected !== undefined && !this.#expected.has(writer)) {
      this.#problem(state, place, 'unknown-writer', seq, `writer "${writer}" is not one of the expected writers (${[...this.#expected].join(', ')})`);
    }
    return state;
  }

  #problem(state: WriterState, place: Place, kind: ProblemKind, seq: number, problem: string): true {
    const w = state.report;
    if (kind === 'modified') state.modified++;
    const found: ChainProblem = { key: place.key, line: place.line, kind, seq, problem };
    w.problemCount++;
    if (w.problems.length < PROBLEMS_KEPT) w.problems.push(found);
    w.broken ??= found;
    return true;
  }

  /**
   * Ends the check. An HMAC chain none of whose records matches is one checked with a
   * secret that is not its own: said once, instead of a broken link at every record.
   */
  finish(): WriterReport[] {
    for (const state of this.#states.values()) {
      this.#unsealed(state);
      const w = state.report;
      if (w.alg === 'hmac-sha256' && state.matched === 0 && state.mismatched > 0) {
        const kept = w.problems.filter((p) => p.kind !== 'modified');
        const wrong: ChainProblem = {
          key: state.first.key,
          line: state.first.line,
          kind: 'secret',
          seq: w.firstSeq,
          problem: `none of the ${state.mismatched.toLocaleString('en-US')} ${state.sealsChecked ? 'blocks' : 'records'} of writer "${w.writer}" matches its HMAC: the secret given is not this chain's (or every record was rewritten)`,
        };
        w.problemCount += 1 - state.modified;
        w.problems.splice(0, w.problems.length, wrong, ...kept);
        w.broken = wrong;
      }
    }
    return this.writers;
  }
}

/**
 * What a stored record's hash covers, by its envelope version: version 1, the record's RFC
 * 8785 canonical JSON minus `ferry.hash` (so a re-serialized copy still verifies);
 * version 2, the stored bytes up to the hash (undefined when the line is not as written).
 */
export function coveredText(line: string, record: Record<string, unknown>, link: ChainLink): string | undefined {
  return link.v >= BYTE_CHAIN_VERSION ? byteChainCovered(line) : storedRecordText(record, link);
}

export function at(place: Place): string {
  return place.line > 0 ? `${place.key}:${place.line}` : place.key;
}
