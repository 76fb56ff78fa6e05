import type { Readable } from 'node:stream';
import { parseArchiveKey } from '@ferry/archive';
import { ChainChecker, type ChainCheckOptions } from './chain-check.js';
import { checkLineBytes, Hashers, type LineResult } from './line-check.js';
import { ObjectDamage, readLines } from './lines.js';
import type { Damage, VerifyReport } from './report.js';
import { archiveEntries, type S3SourceOptions } from './sources.js';

export interface VerifyOptions extends S3SourceOptions, ChainCheckOptions {
  /** Stops reading (the promise rejects with the signal's reason). */
  readonly signal?: AbortSignal;
}

const UNCHAINED_PLACES_KEPT = 20;
const DAMAGE_KEPT = 1000;
/**
 * Objects opened ahead of the one being checked: their reads (and an S3 object's download)
 * start early and fill their stream's buffer, at most its high-water mark (1 MiB), then
 * wait. Decompression runs on libuv's threads while this thread checks lines.
 */
const OPEN_AHEAD = 3;

/**
 * Reads every object of an archive in key order and checks each writer's hash chain record
 * by record. The next few objects are opened (read, downloaded) while one is checked; each
 * is then streamed, decompressed and checked line by line in key order, so memory stays
 * flat whatever the archive's size: nothing is held per line beyond the chain's state. See
 * index.ts for what the report says.
 */
export async function verifyArchive(source: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const hashers = new Hashers(options.secret);
  const checker = new ChainChecker(options, hashers);
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
  const apply = (key: string, line: number, found: LineResult): void => {
    if (found.kind === 'empty') return;
    if (found.kind === 'damage') return damage({ key, line, problem: found.problem });
    report.records++;
    if (found.kind === 'unchained') {
      report.unchained++;
      if (report.unchainedAt.length < UNCHAINED_PLACES_KEPT) report.unchainedAt.push({ key, line });
      return count(found.day);
    }
    if (found.kind === 'record' && found.reformatted) report.reformatted++;
    if (checker.check(found, { key, line }) !== 'duplicate') count(found.day);
  };

  const check = async (key: string, gzip: boolean, body: Promise<Readable>): Promise<void> => {
    report.objects++;
    try {
      await readLines(await body, gzip, (bytes, line) => apply(key, line, checkLineBytes(bytes, hashers)));
    } catch (error) {
      options.signal?.throwIfAborted();
      if (error instanceof ObjectDamage) damage({ key, line: error.line, problem: `the object is damaged: ${error.message}` });
      else damage({ key, line: 0, problem: `the object cannot be read: ${(error as Error).message}` });
    }
  };
  const ahead: Array<{ key: string; gzip: boolean; body: Promise<Readable> }> = [];
  const listing = archiveEntries(source, options);
  try {
    for await (const entry of listing) {
      options.signal?.throwIfAborted();
      const parsed = parseArchiveKey(entry.key);
      if (parsed === undefined) {
        report.ignored++;
        continue;
      }
      const body = entry.open(options.signal);
      body.catch(() => undefined); // reported when its turn comes
      ahead.push({ key: entry.key, gzip: parsed.compression === 'gzip', body });
      if (ahead.length > OPEN_AHEAD) {
        const next = ahead.shift() as (typeof ahead)[number];
        await check(next.key, next.gzip, next.body);
      }
    }
    for (const next of ahead.splice(0)) {
      options.signal?.throwIfAborted();
      await check(next.key, next.gzip, next.body);
    }
  } finally {
    // Only now: the objects opened ahead were still downloading when the listing ended.
    listing.close();
  }

  checker.finish();
  for (const writer of options.writers ?? []) if (!report.writers.some((w) => w.writer === writer)) report.missingWriters.push(writer);
  for (const day of [...perDay.keys()].sort()) report.perDay[day] = perDay.get(day) as number;
  report.ok =
    report.writers.length > 0 &&
    report.damagedCount === 0 &&
    report.unchained === 0 &&
    report.missingWriters.length === 0 &&
    report.writers.every((w) => w.problemCount === 0 && w.gaps.length === 0 && (options.requireSealed !== true || w.unsealed.length === 0));
  return report;
}
