import { byteChainCovered, BYTE_CHAIN_VERSION, ENVELOPE_VERSION, GENESIS, storedRecordText, type ChainLink } from '@ferry/archive';
import type { LineResult } from './line-check.js';
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
}

interface WriterState {
  readonly report: WriterReport;
  head: string;
  last: Place | undefined;
  /** Recent links by sequence number; old ones leave by number, as sequence numbers only grow. */
  readonly recent: RecentLinks;
  /** Records whose HMAC matched / did not: all mismatched means a wrong secret, not a wrong archive. */
  matched: number;
  mismatched: number;
  /** 'modified' problems found, replaced by one 'secret' problem when every HMAC fails. */
  modified: number;
  first: Place;
  secretMissing: boolean;
}

/** A chained record as `checkLine` found it. */
export type RecordResult = Extract<LineResult, { kind: 'record' }>;
type LinkFields = Pick<RecordResult, 'writer' | 'seq' | 'prev' | 'hash' | 'alg'>;

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

  constructor(options: ChainCheckOptions) {
    this.#options = options;
    this.#window = Math.max(1, options.duplicateWindow ?? 100_000);
    this.#expected = options.writers === undefined ? undefined : new Set(options.writers);
  }

  /** Checks one stored record, from what `checkLine` found in it, in archive order. */
  check(found: RecordResult, place: Place): Outcome {
    const link = found;
    const state = this.#state(link, place);
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

    if (link.seq <= w.lastSeq) return this.#behind(state, link, place, hashHolds) ?? (problem ? 'problem' : 'duplicate');

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

  /** A record whose position is at or before the last one: a duplicate, a new epoch, or a problem. */
  #behind(state: WriterState, link: LinkFields, place: Place, hashHolds: boolean | undefined): Outcome | undefined {
    const w = state.report;
    const earlier = state.recent.get(link.seq);
    if (earlier !== undefined && earlier.hash === link.hash) {
      if (hashHolds === false) return 'problem';
      w.duplicates++;
      return undefined;
    }
    if (link.seq === 1 && link.prev === GENESIS) {
      w.epochs.push({ start: place, after: w.lastSeq });
      state.recent.clear();
      state.head = GENESIS;
      state.last = undefined;
      w.lastSeq = 0;
      this.#advance(state, link, place, hashHolds === true);
      return hashHolds === false ? 'problem' : 'linked';
    }
    const gap = w.gaps.findIndex((g) => g.from <= link.seq && link.seq <= g.to);
    if (gap !== -1) {
      const g = w.gaps[gap] as WriterReport['gaps'][number];
      const rest = [
        ...(g.from < link.seq ? [{ ...g, to: link.seq - 1 }] : []),
        ...(link.seq < g.to ? [{ ...g, from: link.seq + 1 }] : []),
      ];
      w.gaps.splice(gap, 1, ...rest);
      this.#problem(state, place, 'reordered', link.seq, `record ${link.seq} is out of order: it comes after record ${w.lastSeq} (${at(state.last as Place)})`);
      return 'problem';
    }
    if (earlier !== undefined) {
      this.#problem(state, place, 'conflict', link.seq, `record ${link.seq} differs from the record ${link.seq} at ${at(earlier.place)}: two records claim one position, so one was inserted or forged`);
      return 'problem';
    }
    this.#problem(
      state,
      place,
      'beyond-window',
      link.seq,
      `record ${link.seq} repeats a position more than ${this.#window.toLocaleString('en-US')} records back (now at ${w.lastSeq}): too far to tell whether it is an identical duplicate (raise duplicateWindow)`,
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
      if (!state.secretMissing) {
        state.secretMissing = true;
        const why = found.alg === 'hmac-sha256' ? 'an hmac-sha256 chain can only be checked with its secret' : `unknown algorithm ${JSON.stringify(found.alg)}`;
        this.#problem(state, place, 'secret', found.seq, `cannot check its ${found.alg} links: ${why} (give it in FERRY_VERIFY_SECRET or a secret file)`);
      }
      return undefined;
    }
    if (found.holds) state.matched++;
    else state.mismatched++;
    return found.holds;
  }

  #state(link: LinkFields, place: Place): WriterState {
    let state = this.#states.get(link.writer);
    if (state !== undefined) return state;
    const report: WriterReport = {
      writer: link.writer,
      alg: String(link.alg),
      verified: 0,
      firstSeq: link.seq,
      lastSeq: link.seq - 1,
      duplicates: 0,
      gaps: [],
      epochs: [],
      broken: undefined,
      problems: [],
      problemCount: 0,
    };
    // The first record seen links to the genesis value when the chain starts here; when the
    // archive begins mid-chain, to a record that is not in it, which only a gap can report.
    state = { report, head: link.seq === 1 ? GENESIS : link.prev, last: undefined, recent: new RecentLinks(this.#window), matched: 0, mismatched: 0, modified: 0, first: place, secretMissing: false };
    if (link.seq > 1 && this.#options.allowMissingStart !== true) report.gaps.push({ from: 1, to: link.seq - 1, after: undefined, before: place });
    this.#states.set(link.writer, state);
    this.writers.push(report);
    if (this.#expected !== undefined && !this.#expected.has(link.writer)) {
      this.#problem(state, place, 'unknown-writer', link.seq, `writer "${link.writer}" is not one of the expected writers (${[...this.#expected].join(', ')})`);
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
      const w = state.report;
      if (w.alg === 'hmac-sha256' && state.matched === 0 && state.mismatched > 0) {
        const kept = w.problems.filter((p) => p.kind !== 'modified');
        const wrong: ChainProblem = {
          key: state.first.key,
          line: state.first.line,
          kind: 'secret',
          seq: w.firstSeq,
          problem: `none of the ${state.mismatched.toLocaleString('en-US')} records of writer "${w.writer}" matches its HMAC: the secret given is not this chain's (or every record was rewritten)`,
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
