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

/**
 * An object's bytes as consecutive pieces. Each piece is written out before the next is
 * asked for, so a source may reuse one buffer for all of them; it is called again if the
 * write has to start over.
 */
export type ObjectBytes = () => Iterable<Uint8Array>;

async function writeTemp(path: string, bytes: ObjectBytes, options: WriteOptions): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    for (const piece of bytes()) {
      for (let at = 0; at < piece.length; ) {
        options.signal.throwIfAborted();
        const { bytesWritten } = await handle.write(piece, at, piece.length - at);
        at += bytesWritten;
      }
    }
    if (options.fsync) await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `bytes` to `finalPath` so that the final name only ever shows the whole object:
 * temp file in the same file system, fsync, rename over any previous version (a retried
 * batch replaces its own object), fsync of the directory that received the name.
 */
export async function writeAtomically(finalPath: string, bytes: ObjectBytes, options: WriteOptions): Promise<void> {
  options.signal.throwIfAborted();
  const finalDirectory = dirname(finalPath);
  const newEntries = await makeDirectories(finalDirectory);
  const temp = join(options.tempDirectory, tempName(options.batchId));
  try {
    try {
      await writeTemp(temp, bytes, options);
    } catch (error) {
      // The temp directory was removed behind our back: recreate it once.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await makeDirectories(options.tempDirectory);
      await writeTemp(temp, bytes, options);
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
