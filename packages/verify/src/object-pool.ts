import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ObjectResult } from './object-read.js';
import type { ObjectRequest } from './object-worker.js';
import { unpack, type PackedResult } from './packed.js';

const WORKER = new URL('./object-worker.js', import.meta.url);

interface Queued {
  readonly request: Omit<ObjectRequest, 'id'>;
  readonly settle: (result: ObjectResult) => void;
}

/**
 * Worker threads that read and check objects of a directory archive in parallel. Each works
 * on one object at a time; the caller keeps a bounded number of objects in flight, so
 * memory stays flat. Available where the package is compiled (the `ferry` binary); from
 * the TypeScript sources there is no worker script, and verify reads on its own thread.
 */
export class ObjectPool {
  readonly #workers: Worker[] = [];
  readonly #idle: Worker[] = [];
  readonly #queue: Queued[] = [];
  readonly #waiting = new Map<number, (result: ObjectResult) => void>();
  #next = 0;

  /** A pool of `size` workers, or undefined when none can run (from sources, or size 0). */
  static create(size: number, secret: string | undefined): ObjectPool | undefined {
    if (size <= 0 || !existsSync(fileURLToPath(WORKER))) return undefined;
    return new ObjectPool(size, secret);
  }

  /** Worker threads for the machine: one per core, at most 4 (the main thread follows the chains). */
  static defaultSize(): number {
    return Math.min(4, availableParallelism());
  }

  private constructor(size: number, secret: string | undefined) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(WORKER, { workerData: { secret } });
      worker.on('message', ({ id, packed }: { id: number; packed: PackedResult }) => {
        const settle = this.#waiting.get(id);
        this.#waiting.delete(id);
        this.#idle.push(worker);
        this.#pump();
        settle?.(unpack(packed));
      });
      // A worker that dies fails what was asked of the pool, loudly (objects reported unreadable), never silently.
      worker.on('error', (error) => this.#failAll(`a verify worker failed: ${error.message}`));
      this.#workers.push(worker);
      this.#idle.push(worker);
    }
  }

  /** Reads and checks the file; never rejects (an unreadable object is a result with damage). */
  read(path: string, gzip: boolean): Promise<ObjectResult> {
    return new Promise((settle) => {
      this.#queue.push({ request: { path, gzip }, settle });
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#idle.length > 0 && this.#queue.length > 0) {
      const worker = this.#idle.pop() as Worker;
      const { request, settle } = this.#queue.shift() as Queued;
      const id = this.#next++;
      this.#waiting.set(id, settle);
      worker.postMessage({ id, ...request } satisfies ObjectRequest);
    }
  }

  #failAll(problem: string): void {
    for (const settle of this.#waiting.values()) settle({ results: [], damage: { line: 0, problem: `the object cannot be read: ${problem}` } });
    this.#waiting.clear();
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
  }
}
