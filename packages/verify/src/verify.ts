import { constants, gunzipSync } from 'node:zlib';
import type { Readable } from 'node:stream';
import { ENVELOPE_VERSION, GENESIS, hashText, linkOf, parseArchiveKey, splitLine, type ChainLink } from '@ferry/archive';
import { archiveEntries, type S3SourceOptions } from './sources.js';

export interface Place {
  readonly key: string;
  readonly line: number;
}

export interface ChainProblem extends Place {
  readonly problem: string;
}

export interface Gap {
  /** The missing sequence numbers, inclusive. */
  readonly from: number;
  readonly to: number;
  /** The last record before the gap, and the first after it. */
  readonly after: Place | undefined;
  readonly before: Place;
}

export interface WriterReport {
  readonly writer: string;
  verified: number;
  firstSeq: number;
  lastSeq: number;
  duplicates: number;
  readonly gaps: Gap[];
  /** The first record that breaks the chain (modified, inserted, reordered), if any. */
  broken: ChainProblem | undefined;
}

export interface VerifyReport {
  readonly source: string;
  ok: boolean;
  objects: number;
  records: number;
  /** Records without an integrity link (written without the integrity processor). */
  unchained: number;
  readonly writers: WriterReport[];
  /** Records per day of `createdAt`, for the completeness check. */
  readonly perDay: Record<string, number>;
  /** Objects that could not be read whole (a truncated gzip, a line that is not JSON). */
  readonly damaged: ChainProblem[];
}

export interface VerifyOptions extends S3SourceOptions {
  /** The secret of HMAC chains. */
  readonly secret?: string;
  /** How many recent links per writer are remembered to recognise duplicates. */
  readonly duplicateWindow?: number;
}

interface WriterState {
  readonly report: WriterReport;
  head: string;
  last: Place | undefined;
  readonly recent: Map<number, string>;
}

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * The lines of one object (an object is one batch, a few MB at most, so it is read whole;
 * the archive is not). A damaged gzip gives the lines that can still be read, and why not more.
 */
function linesOf(raw: Buffer, gzip: boolean): { lines: string[]; damage: string | undefined } {
  if (!gzip) return { lines: raw.toString('utf8').split('\n'), damage: undefined };
  try {
    return { lines: gunzipSync(raw).toString('utf8').split('\n'), damage: undefined };
  } catch (error) {
    let readable = '';
    try {
      readable = gunzipSync(raw, { finishFlush: constants.Z_SYNC_FLUSH }).toString('utf8');
    } catch {
      // nothing readable at all
    }
    const whole = readable.slice(0, readable.lastIndexOf('\n') + 1);
    return { lines: whole === '' ? [] : whole.slice(0, -1).split('\n'), damage: (error as Error).message };
  }
}

/**
 * Reads every object of an archive in key order, streaming, and checks each writer's hash
 * chain record by record. Memory holds, per writer, the last link and a bounded window of
 * recent ones (for duplicates) — never the archive.
 */
export async function verifyArchive(source: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const window = options.duplicateWindow ?? 100_000;
  const report: VerifyReport = { source, ok: true, objects: 0, records: 0, unchained: 0, writers: [], perDay: {}, damaged: [] };
  const writers = new Map<string, WriterState>();

  const check = (link: ChainLink, text: string, place: Place): void => {
    let state = writers.get(link.writer);
    if (state === undefined) {
      const writerReport: WriterReport = { writer: link.writer, verified: 0, firstSeq: link.seq, lastSeq: 0, duplicates: 0, gaps: [], broken: undefined };
      report.writers.push(writerReport);
      state = { report: writerReport, head: GENESIS, last: undefined, recent: new Map() };
      writers.set(link.writer, state);
    }
    const w = state.report;
    if (w.broken) return;
    if (typeof link.v !== 'number' || link.v > ENVELOPE_VERSION) {
      w.broken = { ...place, problem: `record ${link.seq} has envelope version ${String(link.v)}, newer than this ferry verify knows (${ENVELOPE_VERSION}): upgrade Ferry to check it` };
      return;
    }
    const split = splitLine(text);
    if (split === undefined || split.hash !== link.hash) {
      w.broken = { ...place, problem: `record ${link.seq} is not stored as Ferry wrote it (re-serialized or edited)` };
      return;
    }
    let computed: string;
    try {
      computed = hashText(split.unhashed, link.alg, options.secret);
    } catch (error) {
      w.broken = { ...place, problem: `cannot check an ${link.alg} link: ${(error as Error).message} (set FERRY_VERIFY_SECRET or --secret-file)` };
      return;
    }
    if (computed !== link.hash) {
      w.broken = { ...place, problem: `record ${link.seq} does not match its hash: it was modified, or forged without the chain's key` };
      return;
    }
    if (link.seq <= w.lastSeq) {
      if (state.recent.get(link.seq) === link.hash) {
        w.duplicates++;
        return;
      }
      w.broken = { ...place, problem: `record ${link.seq} comes after record ${w.lastSeq}: inserted or reordered` };
      return;
    }
    if (link.seq > w.lastSeq + 1) {
      w.gaps.push({ from: w.lastSeq + 1, to: link.seq - 1, after: state.last, before: place });
    } else if (link.prev !== state.head) {
      w.broken = { ...place, problem: `record ${link.seq} does not link to record ${w.lastSeq} (prev is not its hash): a record was replaced or inserted` };
      return;
    }
    state.head = link.hash;
    state.last = place;
    w.lastSeq = link.seq;
    w.verified++;
    state.recent.set(link.seq, link.hash);
    // Sequence numbers only grow here, so the link leaving the window is known by number
    // (taking the Map's first key instead would rescan its deleted slots every time).
    state.recent.delete(link.seq - window);
  };

  for await (const entry of archiveEntries(source, options)) {
    const parsed = parseArchiveKey(entry.key);
    if (parsed === undefined) continue; // not an archive object (the start check's marker, a README)
    report.objects++;
    let line = 0;
    try {
      const { lines, damage } = linesOf(await bytesOf(await entry.open()), parsed.compression === 'gzip');
      for (const text of lines) {
        line++;
        if (text === '') continue;
        let record: Record<string, unknown>;
        try {
          record = JSON.parse(text) as Record<string, unknown>;
        } catch {
          report.damaged.push({ key: entry.key, line, problem: 'the line is not JSON' });
          continue;
        }
        report.records++;
        const day = typeof record.createdAt === 'string' ? record.createdAt.slice(0, 10) : 'unknown';
        report.perDay[day] = (report.perDay[day] ?? 0) + 1;
        const link = linkOf(record);
        if (link === undefined) report.unchained++;
        else check(link, text, { key: entry.key, line });
      }
      if (damage !== undefined) throw new Error(damage);
    } catch (error) {
      report.damaged.push({ key: entry.key, line: line + 1, problem: `the object cannot be read past line ${line}: ${(error as Error).message}` });
    }
  }

  for (const w of report.writers) if (w.firstSeq > 1 && !w.broken) w.gaps.unshift({ from: 1, to: w.firstSeq - 1, after: undefined, before: { key: '(first record)', line: 0 } });
  report.ok = report.damaged.length === 0 && report.writers.length > 0 && report.writers.every((w) => w.broken === undefined && w.gaps.length === 0) && report.unchained === 0;
  return report;
}
