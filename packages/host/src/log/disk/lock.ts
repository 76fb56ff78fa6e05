import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// Locks this process holds: a LOCK file with our own pid is stale (a previous process with
// the same pid, as in containers where Ferry is always pid 1) unless it is in this set.
const held = new Set<string>();

/**
 * One collector per storage directory: two writers on one log would interleave records.
 * A lock left by a process that died (kill -9) is taken over.
 */
export async function acquireLock(directory: string): Promise<() => Promise<void>> {
  const path = join(directory, 'LOCK');
  if (held.has(path)) throw new Error(`storage directory ${directory} is in use by another Ferry process (pid ${process.pid})`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      held.add(path);
      return async () => {
        held.delete(path);
        await unlink(path).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) {
        throw new Error(`storage directory ${directory} is in use by another Ferry process (pid ${holder})`);
      }
      await unlink(path).catch(() => undefined);
    }
  }
  throw new Error(`cannot lock storage directory ${directory}`);
}
