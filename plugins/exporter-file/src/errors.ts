import { access, constants } from 'node:fs/promises';
import { dirname } from 'node:path';

const CAUSES: Readonly<Record<string, string>> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exhausted',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EEXIST: 'a file is in the way where a directory is needed',
  EISDIR: 'a directory is in the way where a file is needed',
  EIO: 'an I/O error occurred on the disk',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files on the system',
  EXDEV: 'the path crosses into another file system',
  ENAMETOOLONG: 'the path is too long',
};

export function errorCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The cause of a file system error in plain words, with its code: "the disk is full (ENOSPC)". */
export function describeFsError(error: unknown): string {
  const code = errorCode(error);
  const words = code === undefined ? undefined : CAUSES[code];
  if (words !== undefined) return `${words} (${code})`;
  return (error as Error).message;
}

/** Space and quota can come back while Ferry waits; the other causes need someone to act. */
export function isTransientFsError(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/**
 * Recursive mkdir reports ENOENT even when the real reason is a read-only file system or
 * a missing permission; asking the nearest existing ancestor gives the real one.
 */
export async function realMkdirError(error: unknown, path: string): Promise<unknown> {
  if (errorCode(error) !== 'ENOENT') return error;
  for (let ancestor = dirname(path); ; ancestor = dirname(ancestor)) {
    try {
      await access(ancestor, constants.F_OK);
    } catch {
      if (dirname(ancestor) === ancestor) return error;
      continue;
    }
    try {
      await access(ancestor, constants.W_OK);
    } catch (real) {
      return real;
    }
    return error;
  }
}
