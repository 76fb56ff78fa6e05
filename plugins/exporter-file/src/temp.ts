import { randomBytes } from 'node:crypto';
import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Objects are written under this hidden directory of the archive, then renamed into
 * place: the same file system, so the rename is atomic, and a reader never sees a
 * partial object under its final name.
 */
export const TEMP_DIRECTORY = '.ferry-tmp';

/** A write in progress never takes this long; an older temp file is a crash's leftover. */
const ABANDONED_AFTER_MS = 60 * 60 * 1000;

const TEMP_NAME = /^[^.]+\.(\d+)\.[0-9a-f]+\.tmp$/;

/** Unique per attempt (an attempt that timed out may still be writing), tagged with our pid. */
export function tempName(batchId: string): string {
  return `${batchId.slice(0, 12) || 'object'}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temp files a crashed writer left: those of processes that no longer run, and
 * any older than an hour (a reused pid). Files of live writers sharing the directory are
 * kept; if one is removed anyway, that writer's rename fails and its batch is retried.
 */
export async function removeStaleTempFiles(tempDirectory: string, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(tempDirectory)) {
    const path = join(tempDirectory, name);
    const match = TEMP_NAME.exec(name);
    const pid = match === null ? undefined : Number(match[1]);
    const modified = (await stat(path).catch(() => undefined))?.mtimeMs;
    if (modified === undefined) continue;
    const abandoned = pid === undefined || !isRunning(pid) || now - modified > ABANDONED_AFTER_MS;
    if (!abandoned) continue;
    await unlink(path).catch(() => undefined);
    removed.push(name);
  }
  return removed;
}
