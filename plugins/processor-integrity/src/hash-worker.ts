import { Worker } from 'node:worker_threads';
import type { ChainAlgorithm } from '@ferry/archive';

/**
 * Hashes a chain's links on a worker thread, so the receiving thread only builds texts.
 *
 * A link's hash depends on the one before it, so one call's links are hashed in order, by
 * one worker: it gets the texts the hashes cover except for each one's `prev` (the part
 * before and after it), and the head to start from; it answers with the hashes, in order.
 * The receiving thread meanwhile reads, decodes and exports. HMAC over an event is most of
 * what the processor costs (about 2.5 µs an event, as much as decoding it).
 *
 * The worker runs this file's `main`, passed as source (`eval`), so the same code runs from
 * the TypeScript sources (tests) and the compiled package alike; it must use nothing from
 * outside its own body.
 */

export interface HashRequest {
  readonly id: number;
  /** The text before `prev` in what each hash covers. */
  readonly heads: readonly string[];
  /** The text after `prev` (the closing quote, `upstream` if any). */
  readonly tails: readonly string[];
  /** The previous link's hash for the first one. */
  readonly prev: string;
}

interface HashAnswer {
  readonly id: number;
  /** The hashes, 64 hex digits each, joined. */
  readonly hashes?: string;
  readonly error?: string;
}

/** The worker's body: kept self-contained (see above). */
function main(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parentPort, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const crypto = require('node:crypto') as typeof import('node:crypto');
  const { alg, secret } = workerData as { alg: string; secret: string | undefined };
  let hash: (text: string) => string;
  const key = secret === undefined ? undefined : Buffer.from(secret, 'utf8');
  if (alg === 'sha256') hash = (text) => crypto.hash('sha256', text, 'hex');
  else if (key !== undefined && key.length <= 64 && key.every((b) => b < 0x80)) {
    // HMAC from two one-shot hashes, as @ferry/archive's createLinkHasher does (same digest).
    const padded = Buffer.alloc(64);
    key.copy(padded);
    const inner = Buffer.from(padded.map((b) => b ^ 0x36)).toString('latin1');
    const outer = Buffer.alloc(96);
    for (let i = 0; i < 64; i++) outer[i] = (padded[i] as number) ^ 0x5c;
    hash = (text) => {
      (crypto.hash('sha256', inner + text, 'buffer') as unknown as Buffer).copy(outer, 64);
      return crypto.hash('sha256', outer, 'hex');
    };
  } else {
    const secretKey = crypto.createSecretKey(key ?? Buffer.alloc(0));
    hash = (text) => crypto.createHmac('sha256', secretKey).update(text).digest('hex');
  }
  (parentPort as NonNullable<typeof parentPort>).on('message', (request: HashRequest) => {
    try {
      let prev = request.prev;
      let out = '';
      for (let i = 0; i < request.heads.length; i++) {
        prev = hash(`${request.heads[i]}${prev}${request.tails[i]}`);
        out += prev;
      }
      parentPort?.postMessage({ id: request.id, hashes: out } satisfies HashAnswer);
    } catch (error) {
      parentPort?.postMessage({ id: request.id, error: String(error) } satisfies HashAnswer);
    }
  });
}

/** One worker thread hashing one chain's calls, one at a time, in order. */
export class HashWorker {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, { resolve(hashes: string[]): void; reject(error: Error): void }>();
  #next = 0;
  #failed: Error | undefined;

  constructor(alg: ChainAlgorithm, secret: string | undefined) {
    // `__name`: a helper some TypeScript transpilers (tsx, vitest) call to keep function names.
    this.#worker = new Worker(`const __name = (f) => f; (${main.toString()})()`, { eval: true, workerData: { alg, secret } });
    // Not a reason to keep the process alive: the processor's shutdown ends it.
    this.#worker.unref();
    this.#worker.on('message', (answer: HashAnswer) => {
      const waiting = this.#waiting.get(answer.id);
      this.#waiting.delete(answer.id);
      if (answer.hashes !== undefined) waiting?.resolve(split(answer.hashes));
      else waiting?.reject(new Error(`the chain's hash worker failed: ${answer.error}`));
    });
    this.#worker.on('error', (error) => this.#fail(error));
    this.#worker.on('exit', (code) => this.#fail(new Error(`the chain's hash worker exited (${code})`)));
  }

  /** Whether the worker can no longer be used (the processor then hashes on its own thread). */
  get failed(): boolean {
    return this.#failed !== undefined;
  }

  hash(heads: readonly string[], tails: readonly string[], prev: string): Promise<string[]> {
    if (this.#failed !== undefined) return Promise.reject(this.#failed);
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#worker.postMessage({ id, heads, tails, prev } satisfies HashRequest);
    });
  }

  #fail(error: Error): void {
    this.#failed ??= error;
    for (const waiting of this.#waiting.values()) waiting.reject(this.#failed);
    this.#waiting.clear();
  }

  async close(): Promise<void> {
    this.#failed ??= new Error('the chain has shut down');
    await this.#worker.terminate();
  }
}

function split(hashes: string): string[] {
  const out = new Array<string>(hashes.length / 64);
  for (let i = 0; i < out.length; i++) out[i] = hashes.slice(i * 64, i * 64 + 64);
  return out;
}
