import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Names the log this collector's rows come from, so that their sequence numbers mean
 * something later: kept in the exporter's storage directory, which lives and dies with the
 * pipeline logs (a wiped storage gets a new id, as its logs start again at 0). Without
 * storage, a new id each run.
 */
export async function loadLogId(directory: string | undefined): Promise<string> {
  if (directory === undefined) return `memory-${randomUUID()}`;
  const path = join(directory, 'log-id');
  try {
    const text = (await readFile(path, 'utf8')).trim();
    if (text.length > 0) return text;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return renewLogId(directory);
}

/** Writes a new id (atomically) and returns it. */
export async function renewLogId(directory: string): Promise<string> {
  const id = randomUUID();
  await mkdir(directory, { recursive: true });
  const path = join(directory, 'log-id');
  await writeFile(`${path}.tmp`, `${id}\n`);
  await rename(`${path}.tmp`, path);
  return id;
}
