import { parseArchiveKey } from '@ferry/archive';
import { ChainChecker, type ChainCheckOptions } from './chain-check.js';
import { Hashers, type LineResult } from './line-check.js';
import { readObject, type ObjectResult } from './object-read.js';
import { ObjectPool } from './object-pool.js';
import type { Damage, VerifyReport } from './report.js';
import { archiveEntries, type ArchiveEntry, type S3SourceOptions } from './sources.js';

export interface VerifyOptions extends S3SourceOptions, ChainCheckOptions {
  /** Stops reading (the promise rejects with the signal's reason). */
  readonly signal?: AbortSignal;
  /**
   * Worker threads reading and checking objects of a directory archive in parallel (default:
   * one per core, at most 4; 0: all on this thread). Objects of an S3 archive are fetched
   * several at a time and checked on this thread.
   */
  readonly workers?: number;
}

const UNCHAINED_PLACES_KEPT = 20;
const DAMAGE_KEPT = 1000;

/**
 * Reads every object of an archive in key order and checks each writer's hash chain record
 * by record. Objects are read, decompressed and their lines checked (decoded, hashes
 * recomputed) a few at a time, in parallel, while the chains are followed through the
 * results strictly in key order; at most `lookahead` objects are held, so memory stays
 * flat whatever the archive's size. See index.ts for what the report says.
 */
export async function verifyArchive(source: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const checker = new ChainChecker(options);
  const report: VerifyReport = {
    source,
    ok: false,
    objects: 0,
    ignored: 0,
    records: 0,
    unchained: 0,
    unchainedAt: [],
    damagedCount: 0,
    reformatted: 0,
    writers: checker.writers,
    missingWriters: [],
    perDay: {},
    damaged: [],
  };
  const perDay = new Map<string, number>();
  const damage = (found: Damage): void => {
    report.damagedCount++;
    if (report.damaged.length < DAMAGE_KEPT) report.damaged.push(found);
  };
  const count = (day: string): void => {
    perDay.set(day, (perDay.get(day) ?? 0) + 1);
  };

  const apply = (key: string, object: ObjectResult): void => {
    report.objects++;
    for (let i = 0; i < object.results.length; i++) {
      const found = object.results[i] as LineResult;
      const line = i + 1;
      if (found.kind === 'empty') continue;
      if (found.kind === 'damage') {
        damage({ key, line, problem: found.problem });
        continue;
      }
      report.records++;
      if (found.kind === 'unchained') {
        report.unchained++;
        if (report.unchainedAt.length < UNCHAINED_PLACES_KEPT) report.unchainedAt.push({ key, line });
        count(found.day);
        continue;
      }
      if (found.reformatted) report.reformatted++;
      if (checker.check(found, { key, line }) !== 'duplicate') count(found.day);
    }
    if (object.damage !== undefined) damage({ key, line: object.damage.line, problem: object.damage.problem });
  };

  const hashers = new Hashers(options.secret);
  const pool = ObjectPool.create(options.workers ?? ObjectPool.defaultSize(), options.secret);
  const lookahead = Math.max(2, 2 * (options.workers ?? ObjectPool.defaultSize()));
  const inFlight: Array<{ key: string; result: Promise<ObjectResult> }> = [];
  const read = (entry: ArchiveEntry, gzip: boolean): Promise<ObjectResult> => {
    if (pool !== undefined && entry.path !== undefined) return pool.read(entry.path, gzip);
    return entry.open(options.signal).then(
      (body) => readObject(body, gzip, hashers),
      (error: unknown) => ({ results: [], damage: { line: 0, problem: `the object cannot be read: ${(error as Error).message}` } }),
    );
  };
  try {
    for await (const entry of archiveEntries(source, options)) {
      options.signal?.throwIfAborted();
      const parsed = parseArchiveKey(entry.key);
      if (parsed === undefined) {
        report.ignored++;
        continue;
      }
      inFlight.push({ key: entry.key, result: read(entry, parsed.compression === 'gzip') });
      if (inFlight.length >= lookahead) {
        const next = inFlight.shift() as (typeof inFlight)[number];
        apply(next.key, await next.result);
      }
    }
    for (const next of inFlight.splice(0)) {
      options.signal?.throwIfAborted();
      apply(next.key, await next.result);
    }
  } finally {
    await pool?.close();
  }

  checker.finish();
  for (const writer of options.writers ?? []) if (!report.writers.some((w) => w.writer === writer)) report.missingWriters.push(writer);
  for (const day of [...perDay.keys()].sort()) report.perDay[day] = perDay.get(day) as number;
  report.ok =
    report.writers.length > 0 &&
    report.damagedCount === 0 &&
    report.unchained === 0 &&
    report.missingWriters.length === 0 &&
    report.writers.every((w) => w.problemCount === 0 && w.gaps.length === 0);
  return report;
}
