import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where compiled config validators are kept between starts (ajv's generated code, one file
 * per schema hash). Code read from here is run, so the directory is used only when it
 * belongs to this user and nobody else can write to it; anything wrong with it (missing,
 * unwritable, foreign, damaged) costs a compile, never an error.
 */
let directory: string | undefined;
/** Why the directory asked for is not used, or why writing to it failed (undefined while all is well or the cache is off). */
let problem: string | undefined;

/**
 * Entries kept at most: every change of a config's plugins or of Ferry's schemas writes a
 * new one, so the oldest written go once there are more (a start needs only its own).
 */
export const SCHEMA_CACHE_ENTRIES = 64;

/** Turns the cache on in `dir` (created 0700 when missing), or off with undefined. */
export function setSchemaCacheDirectory(dir: string | undefined): void {
  const unusable = dir === undefined ? undefined : whyUnusable(dir);
  directory = unusable === undefined ? dir : undefined;
  problem = unusable === undefined ? undefined : `${dir as string} ${unusable}`;
}

export function schemaCacheDirectory(): string | undefined {
  return directory;
}

/**
 * Why compiled validators are not being kept although a directory was asked for: it cannot
 * be used, or a write to it failed (a read-only or full disk). Undefined while the cache
 * works or is off. Every start then compiles again: slower, never wrong, so worth a line
 * in the log, not a failure.
 */
export function schemaCacheProblem(): string | undefined {
  return problem;
}

function whyUnusable(dir: string): string | undefined {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = statSync(dir);
    if (!stat.isDirectory()) return 'is not a directory';
    if (process.getuid !== undefined && stat.uid !== process.getuid()) return 'belongs to another user';
    // Code read from it is run: nobody else may be able to put it there.
    if ((stat.mode & 0o022) !== 0) return 'can be written by other users';
    return undefined;
  } catch (error) {
    return `cannot be created (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
  }
}

function fileOf(key: string): string | undefined {
  return directory === undefined ? undefined : join(directory, `${key}.cjs`);
}

export function readCachedCode(key: string): string | undefined {
  const file = fileOf(key);
  if (file === undefined) return undefined;
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const stat = fstatSync(fd);
    if ((process.getuid !== undefined && stat.uid !== process.getuid()) || (stat.mode & 0o022) !== 0) return undefined;
    return readFileSync(fd, 'utf8');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function writeCachedCode(key: string, code: string): void {
  const file = fileOf(key);
  if (file === undefined) return;
  const partial = `${file}.${process.pid}.tmp`;
  try {
    // Whole or not at all: another Ferry starting at the same time reads either nothing or all of it.
    writeFileSync(partial, code, { mode: 0o600 });
    renameSync(partial, file);
    evictOldest(directory as string);
  } catch (error) {
    // A full or read-only disk: the next start compiles again.
    problem ??= `${directory as string} cannot be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
  }
}

function evictOldest(dir: string): void {
  const entries = readdirSync(dir).filter((name) => name.endsWith('.cjs'));
  if (entries.length <= SCHEMA_CACHE_ENTRIES) return;
  const byAge = entries.map((name) => ({ name, written: statSync(join(dir, name), { throwIfNoEntry: false })?.mtimeMs ?? 0 })).sort((a, b) => a.written - b.written);
  for (const { name } of byAge.slice(0, entries.length - SCHEMA_CACHE_ENTRIES)) rmSync(join(dir, name), { force: true });
}
