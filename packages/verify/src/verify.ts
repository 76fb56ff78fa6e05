import { BYTE_CHAIN_VERSION, linkOf, parseArchiveKey } from '@ferry/archive';
import { ChainChecker, coveredText, type ChainCheckOptions } from './chain-check.js';
import { ObjectDamage, readLines } from './lines.js';
import type { Damage, VerifyReport } from './report.js';
import { archiveEntries, type S3SourceOptions } from './sources.js';
import { duplicateName } from './strict-json.js';

export interface VerifyOptions extends S3SourceOptions, ChainCheckOptions {
  /** Stops reading (the promise rejects with the signal's reason). */
  readonly signal?: AbortSignal;
}

const UNCHAINED_PLACES_KEPT = 20;
const DAMAGE_KEPT = 1000;

/** The UTC day of an ISO-8601 `createdAt` (`2026-03-01`), or `unknown`. */
function dayOf(createdAt: unknown): string {
  if (typeof createdAt !== 'string') return 'unknown';
  if (createdAt.length >= 20 && createdAt.endsWith('Z') && createdAt.charCodeAt(10) === 0x54) return createdAt.slice(0, 10);
  const ms = Date.parse(createdAt);
  return Number.isNaN(ms) ? 'unknown' : new Date(ms).toISOString().slice(0, 10);
}

/**
 * Reads every object of an archive in key order, streaming, and checks each writer's hash
 * chain record by record. See index.ts for what the report says.
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

  for await (const entry of archiveEntries(source, options)) {
    options.signal?.throwIfAborted();
    const parsed = parseArchiveKey(entry.key);
    if (parsed === undefined) {
      report.ignored++;
      continue;
    }
    report.objects++;
    const onLine = (text: string, line: number): void => {
      if (text === '') return;
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(text) as Record<string, unknown>;
      } catch {
        damage({ key: entry.key, line, problem: 'the line is not JSON' });
        return;
      }
      if (typeof record !== 'object' || record === null || Array.isArray(record)) {
        damage({ key: entry.key, line, problem: 'the line is not a JSON object' });
        return;
      }
      report.records++;
      const link = linkOf(record);
      let outcome: string = 'unchained';
      if (link === undefined) {
        report.unchained++;
        if (report.unchainedAt.length < UNCHAINED_PLACES_KEPT) report.unchainedAt.push({ key: entry.key, line });
      } else if (link.v >= BYTE_CHAIN_VERSION) {
        // Version 2 hashes the bytes: a line that verifies is exactly what Ferry wrote.
        outcome = checker.check(link, coveredText(text, record, link), { key: entry.key, line }, undefined);
      } else {
        // Version 1 wrote JSON.stringify's text; any other text was re-serialized since, and
        // only then is it worth scanning for a member given twice.
        const reformatted = JSON.stringify(record) !== text;
        if (reformatted) report.reformatted++;
        outcome = checker.check(link, coveredText(text, record, link), { key: entry.key, line }, reformatted ? duplicateName(text) : undefined);
      }
      if (outcome !== 'duplicate') {
        const day = dayOf(record.createdAt);
        perDay.set(day, (perDay.get(day) ?? 0) + 1);
      }
    };
    try {
      await readLines(await entry.open(options.signal), parsed.compression === 'gzip', onLine);
    } catch (error) {
      options.signal?.throwIfAborted();
      if (error instanceof ObjectDamage) damage({ key: entry.key, line: error.line, problem: `the object is damaged: ${error.message}` });
      else damage({ key: entry.key, line: 0, problem: `the object cannot be read: ${(error as Error).message}` });
    }
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
