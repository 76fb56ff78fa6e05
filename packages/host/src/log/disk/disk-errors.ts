import { access, constants, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Plain words for the storage errors a user can act on. */
export function describeStorageError(error: unknown, directory: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOSPC':
      return `the disk holding ${directory} is full (ENOSPC)`;
    case 'EDQUOT':
      return `the disk quota for ${directory} is exhausted (EDQUOT)`;
    case 'EROFS':
      return `${directory} is on a read-only file system (EROFS)`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied writing to ${directory} (${code})`;
    case 'EIO':
      return `an I/O error occurred writing to ${directory} (EIO)`;
    default:
      return `writing to ${directory} failed: ${(error as Error).message}`;
  }
}

/** The storage directory cannot be used at all (at open): the collector does not start. */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  readonly code = 'FERRY_STORAGE_UNUSABLE';
  constructor(directory: string, cause: unknown) {
    const known = (cause as NodeJS.ErrnoException).code !== undefined;
    super(`cannot use the storage directory ${directory}: ${known ? describeStorageError(cause, directory) : (cause as Error).message}`, { cause });
  }
}

/**
 * mkdir -p that reports why it failed: Node's recursive mkdir says ENOENT even when the
 * real reason is a read-only file system or a permission, so ask the nearest existing
 * ancestor.
 */
export async function ensureDirectory(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    let ancestor = dirname(path);
    for (;;) {
      try {
        await access(ancestor, constants.F_OK);
        break;
      } catch {
        if (dirname(ancestor) === ancestor) throw error;
        ancestor = dirname(ancestor);
      }
    }
    await access(ancestor, constants.W_OK);
    throw error;
  }
}
