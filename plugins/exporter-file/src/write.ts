import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { realMkdirError } from './errors.js';
import { tempName } from './temp.js';

export interface WriteOptions {
  readonly tempDirectory: string;
  /** Flush the object and every directory entry it needed to the disk. */
  readonly fsync: boolean;
  readonly signal: AbortSignal;
  /** Names the temp file, so a crash's leftovers can be traced to a batch. */
  readonly batchId: string;
}

async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** mkdir -p, returning the directories whose entries it added (each must be synced to last). */
async function makeDirectories(path: string): Promise<string[]> {
  let first: string | undefined;
  try {
    first = await mkdir(path, { recursive: true });
  } catch (error) {
    throw await realMkdirError(error, path);
  }
  if (first === undefined) return [];
  // New entries live in dirname(first), first, …, dirname(path).
  const parents: string[] = [];
  for (let d = path; d !== first; ) {
    d = dirname(d);
    parents.push(d);
  }
  parents.push(dirname(first));
  return parents;
}

async function writeTemp(path: string, data: Buffer, options: WriteOptions): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(data, { signal: options.signal });
    if (options.fsync) await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `data` to `finalPath` so that the final name only ever shows the whole object:
 * temp file in the same file system, fsync, rename over any previous version (a retried
 * batch replaces its own object), fsync of the directory that received the name.
 */
export async function writeAtomically(finalPath: string, data: Buffer, options: WriteOptions): Promise<void> {
  options.signal.throwIfAborted();
  const finalDirectory = dirname(finalPath);
  const newEntries = await makeDirectories(finalDirectory);
  const temp = join(options.tempDirectory, tempName(options.batchId));
  try {
    try {
      await writeTemp(temp, data, options);
    } catch (error) {
      // The temp directory was removed behind our back: recreate it once.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await makeDirectories(options.tempDirectory);
      await writeTemp(temp, data, options);
    }
    options.signal.throwIfAborted();
    if (options.fsync) for (const directory of newEntries) await syncDirectory(directory);
    await rename(temp, finalPath);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  if (options.fsync) await syncDirectory(finalDirectory);
}
