/**
 * What a benchmark run wrote, checked against what was sent: every event exactly once and
 * unaltered, and when the last one landed. A benchmark that loses or doubles events has no
 * figure worth printing, so each run ends with this check (outside the timed part).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createEventFactory } from '@ferry/generator';

export interface ArchiveCheck {
  readonly expected: number;
  readonly records: number;
  readonly missing: number;
  readonly duplicates: number;
  readonly unexpected: number;
  readonly altered: number;
  /** Wall-clock ms when the last object got its final name (its ctime: rename sets it). */
  readonly lastLandedMs: number;
  readonly ok: boolean;
}

/** A short digest of an event's JSON, to hold a million expected events in little memory. */
const digest = (json: string) => createHash('sha1').update(json).digest('base64');

/**
 * The events a pull-mode generator with this seed serves, in order: the same factory
 * regenerated here, so the generator keeps nothing while it is being timed.
 */
export function expectedEvents(seed: number, count: number): Map<string, string> {
  const factory = createEventFactory({ seed });
  const expected = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const event = factory.next();
    expected.set(event.id, digest(JSON.stringify(event)));
  }
  return expected;
}

async function objectFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  // Hidden folders hold the file exporter's unfinished temp files, never archive objects.
  return entries.filter((e) => e.isFile() && !join(e.parentPath, e.name).slice(directory.length).split('/').some((p) => p.startsWith('.'))).map((e) => join(e.parentPath, e.name));
}

/** Reads every object under `directory` (NDJSON, gzip or not) and tallies it against `expected`. */
export async function checkArchive(directory: string, expected: ReadonlyMap<string, string>): Promise<ArchiveCheck> {
  const copies = new Map<string, number>();
  let records = 0;
  let unexpected = 0;
  let altered = 0;
  let lastLandedMs = 0;
  for (const path of await objectFiles(directory)) {
    lastLandedMs = Math.max(lastLandedMs, (await stat(path)).ctimeMs);
    const raw = await readFile(path);
    const text = (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    for (const line of text.split('\n')) {
      if (line === '') continue;
      records++;
      const { ferry: _envelope, ...event } = JSON.parse(line) as { id: string; ferry?: unknown };
      const want = expected.get(event.id);
      if (want === undefined) {
        unexpected++;
        continue;
      }
      copies.set(event.id, (copies.get(event.id) ?? 0) + 1);
      if (digest(JSON.stringify(event)) !== want) altered++;
    }
  }
  let duplicates = 0;
  for (const n of copies.values()) duplicates += n - 1;
  const missing = expected.size - copies.size;
  return { expected: expected.size, records, missing, duplicates, unexpected, altered, lastLandedMs, ok: missing === 0 && duplicates === 0 && unexpected === 0 && altered === 0 };
}

export function describeCheck(check: ArchiveCheck): string {
  if (check.ok) return `exactly the ${check.expected.toLocaleString('en-US')} events sent, each once, unaltered`;
  return `NOT the events sent: ${check.records} records for ${check.expected} events — missing ${check.missing}, duplicates ${check.duplicates}, unexpected ${check.unexpected}, altered ${check.altered}`;
}
