import { watch, type FSWatcher } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Counts the log segment files a pipeline creates, to check a volume test's premise (that
 * it crossed hundreds of segment rolls), not its outcome. Segments come and go (deleted once
 * delivered), so each name is counted when it appears, through inotify; what already
 * existed when watching began is counted too. A lower bound, never an overcount.
 */
export interface SegmentWatch {
  /** Distinct segment files seen. */
  readonly seen: number;
  close(): void;
}

export async function watchSegments(storageDirectory: string, pipeline = 'events'): Promise<SegmentWatch> {
  const directory = join(storageDirectory, 'pipelines', pipeline, 'segments');
  const names = new Set<string>();
  const note = (name: string | null) => {
    if (name !== null && /^\d+\.seg$/.test(name)) names.add(name);
  };
  const watcher: FSWatcher = watch(directory, (_event, name) => note(name));
  for (const name of await readdir(directory)) note(name);
  return {
    get seen() {
      return names.size;
    },
    close: () => watcher.close(),
  };
}
