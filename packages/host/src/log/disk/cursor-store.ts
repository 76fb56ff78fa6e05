import { readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@ferry/sdk';

const PERSIST_EVERY_MS = 200;

function fileName(name: string): string {
  return `${encodeURIComponent(name)}.json`;
}

/**
 * Where each exporter's cursor is kept between runs. Writes are throttled and not fsynced:
 * a cursor that is older than it should be only repeats deliveries (at-least-once), and
 * an unreadable one restarts from the oldest event still in the log — never a loss.
 */
export class CursorStore {
  readonly #directory: string;
  readonly #logger: Logger;
  readonly #dirty = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(directory: string, logger: Logger) {
    this.#directory = directory;
    this.#logger = logger;
  }

  /** Reads stored cursors; those not in `names` are reported and removed (their exporter is no longer configured). */
  async load(names: readonly string[]): Promise<Map<string, number | 'unreadable'>> {
    const wanted = new Set(names);
    const found = new Map<string, number | 'unreadable'>();
    for (const file of await readdir(this.#directory)) {
      if (!file.endsWith('.json')) continue;
      const name = decodeURIComponent(file.slice(0, -5));
      const path = join(this.#directory, file);
      if (!wanted.has(name)) {
        this.#logger.warn(`exporter "${name}" is no longer configured: its place in the log is dropped, and events it had not received will not be sent to it`);
        await unlink(path).catch(() => undefined);
        continue;
      }
      try {
        const committed = (JSON.parse(await readFile(path, 'utf8')) as { committed?: unknown }).committed;
        found.set(name, typeof committed === 'number' && Number.isSafeInteger(committed) && committed >= 0 ? committed : 'unreadable');
      } catch {
        found.set(name, 'unreadable');
      }
    }
    return found;
  }

  set(name: string, committed: number): void {
    this.#dirty.set(name, committed);
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, PERSIST_EVERY_MS);
  }

  /** Writes every changed cursor now. */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const changes = [...this.#dirty];
    this.#dirty.clear();
    this.#writing = this.#writing.then(async () => {
      for (const [name, committed] of changes) {
        const path = join(this.#directory, fileName(name));
        try {
          await writeFile(`${path}.tmp`, JSON.stringify({ committed }));
          await rename(`${path}.tmp`, path);
        } catch (error) {
          // The position stays in memory; at worst a restart repeats some deliveries.
          this.#logger.warn('could not save an exporter position', { exporter: name, error: (error as Error).message });
        }
      }
    });
    return this.#writing;
  }
}
