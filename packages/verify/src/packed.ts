import type { LineResult } from './line-check.js';
import type { ObjectResult } from './object-read.js';

/**
 * An object's line results in columns, for the trip from a worker thread: typed arrays and
 * a few long strings clone as blocks of memory, where an array of 5,000 small objects made
 * the structured clone (and rebuilding it here) cost more than the work done in parallel.
 */
export interface PackedResult {
  readonly count: number;
  /** 0 empty, 1 damage, 2 unchained, 3 record. */
  readonly kinds: Uint8Array;
  readonly seqs: Float64Array;
  readonly versions: Float64Array;
  /** Bit 0: the hash holds; 1: it cannot be known; 2: not as written; 3: reformatted. */
  readonly flags: Uint8Array;
  readonly days: Uint32Array;
  readonly writers: Uint32Array;
  readonly algs: Uint32Array;
  /** The distinct strings the index columns point at. */
  readonly strings: string[];
  /** Each record's prev and hash, 64 characters each, in order of the records. */
  readonly prevs: string;
  readonly hashes: string;
  /** Damage problems and doubled member names, by line index. */
  readonly notes: Array<[number, string]>;
  readonly damage?: ObjectResult['damage'];
}

const KIND = { empty: 0, damage: 1, unchained: 2, record: 3 } as const;

export function pack(object: ObjectResult): PackedResult {
  const { results } = object;
  const count = results.length;
  const packed = {
    count,
    kinds: new Uint8Array(count),
    seqs: new Float64Array(count),
    versions: new Float64Array(count),
    flags: new Uint8Array(count),
    days: new Uint32Array(count),
    writers: new Uint32Array(count),
    algs: new Uint32Array(count),
    strings: [] as string[],
    prevs: '',
    hashes: '',
    notes: [] as Array<[number, string]>,
    ...(object.damage === undefined ? {} : { damage: object.damage }),
  };
  const index = new Map<string, number>();
  const intern = (text: string): number => {
    let at = index.get(text);
    if (at === undefined) {
      at = packed.strings.push(text) - 1;
      index.set(text, at);
    }
    return at;
  };
  const prevs: string[] = [];
  const hashes: string[] = [];
  for (let i = 0; i < count; i++) {
    const found = results[i] as LineResult;
    packed.kinds[i] = KIND[found.kind];
    if (found.kind === 'damage') packed.notes.push([i, found.problem]);
    else if (found.kind === 'unchained') packed.days[i] = intern(found.day);
    else if (found.kind === 'record') {
      packed.days[i] = intern(found.day);
      packed.writers[i] = intern(found.writer);
      packed.algs[i] = intern(found.alg);
      packed.seqs[i] = found.seq;
      packed.versions[i] = found.v;
      packed.flags[i] = (found.holds === true ? 1 : 0) | (found.holds === undefined ? 2 : 0) | (found.notAsWritten ? 4 : 0) | (found.reformatted ? 8 : 0);
      if (found.ambiguous !== undefined) packed.notes.push([i, found.ambiguous]);
      prevs.push(found.prev);
      hashes.push(found.hash);
    }
  }
  packed.prevs = prevs.join('');
  packed.hashes = hashes.join('');
  return packed;
}

export function unpack(packed: PackedResult): ObjectResult {
  const notes = new Map(packed.notes);
  const results = new Array<LineResult>(packed.count);
  let record = 0;
  for (let i = 0; i < packed.count; i++) {
    const kind = packed.kinds[i];
    if (kind === KIND.empty) results[i] = { kind: 'empty' };
    else if (kind === KIND.damage) results[i] = { kind: 'damage', problem: notes.get(i) as string };
    else if (kind === KIND.unchained) results[i] = { kind: 'unchained', day: packed.strings[packed.days[i] as number] as string };
    else {
      const flags = packed.flags[i] as number;
      const at = 64 * record++;
      results[i] = {
        kind: 'record',
        day: packed.strings[packed.days[i] as number] as string,
        writer: packed.strings[packed.writers[i] as number] as string,
        seq: packed.seqs[i] as number,
        v: packed.versions[i] as number,
        alg: packed.strings[packed.algs[i] as number] as string,
        prev: packed.prevs.slice(at, at + 64),
        hash: packed.hashes.slice(at, at + 64),
        holds: (flags & 2) !== 0 ? undefined : (flags & 1) !== 0,
        notAsWritten: (flags & 4) !== 0,
        reformatted: (flags & 8) !== 0,
        ambiguous: notes.get(i),
      };
    }
  }
  return packed.damage === undefined ? { results } : { results, damage: packed.damage };
}
