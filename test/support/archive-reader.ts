import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { FerryEvent } from '@ferry/sdk';

async function objectPaths(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true }).catch(() => []);
  // Hidden entries are the exporter's temp directory: objects there are not written yet.
  return entries.filter((e) => e.isFile() && !relative(directory, join(e.parentPath, e.name)).split('/').some((part) => part.startsWith('.'))).map((e) => join(e.parentPath, e.name));
}

/**
 * A file archive read as it grows, for polling at volume: each object is read once, since
 * the file exporter only ever shows whole objects under their final name and rewrites one
 * only with the same batch (the same content). `readArchive` re-reads everything each time.
 */
export class GrowingArchive {
  readonly #directory: string;
  readonly #objects = new Map<string, FerryEvent[]>();
  #count = 0;

  constructor(directory: string) {
    this.#directory = directory;
  }

  /** Reads the objects that appeared since the last call; returns how many records the archive holds. */
  async refresh(): Promise<number> {
    for (const path of await objectPaths(this.#directory)) {
      if (this.#objects.has(path)) continue;
      const raw = await readFile(path);
      const text = (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
      const events = text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as FerryEvent);
      this.#objects.set(path, events);
      this.#count += events.length;
    }
    return this.#count;
  }

  get objects(): number {
    return this.#objects.size;
  }

  /** Every record read so far, objects in key order. */
  events(): FerryEvent[] {
    return [...this.#objects.keys()].sort().flatMap((key) => this.#objects.get(key) as FerryEvent[]);
  }
}
