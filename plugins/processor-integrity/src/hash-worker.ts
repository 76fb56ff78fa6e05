import { Worker } from 'node:worker_threads';
import type { ChainAlgorithm, CoveredParts } from '@ferry/archive';

/**
 * Hashes a chain's links on a worker thread, so the receiving thread only builds texts.
 *
 * A link's hash depends on the one before it, so one call's links are hashed in order, by
 * one worker: it gets what each hash covers except for its `prev` — the bytes before it
 * and after it, all of a call's records written into one buffer that is moved, not copied,
 * to the worker — and the head to start from; it answers with the hashes, in order. The
 * receiving thread meanwhile reads, decodes and exports. Hashing is most of what the
 * processor costs (HMAC: about 2.5 µs an event, as much as decoding it).
 *
 * The worker runs this file's `main`, passed as source (`eval`), so the same code runs from
 * the TypeScript sources (tests) and the compiled package alike; it must use nothing from
 * outside its own body.
 */

export interface HashRequest {
  readonly id: number;
  /** The covered bytes of every record but their prev: `[before, after)` pairs in `bounds`. */
  readonly bytes: ArrayBuffer;
  /** Per record: start of its bytes before prev, their end (= start of those after), end of those after. */
  readonly bounds: Uint32Array;
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
  const key = secret === undefined ? undefined : Buffer.from(secret, 'utf8');
  // HMAC per RFC 2104 from one-shot hashes (a key over 64 bytes is hashed first), as
  // @ferry/archive's createLinkHasher computes it: the same digest (tested).
  const block = Buffer.alloc(64);
  if (key !== undefined) (key.length > 64 ? crypto.createHash('sha256').update(key).digest() : key).copy(block);
  const hmac = alg === 'hmac-sha256';
  const lead = hmac ? 64 : 0;
  let scratch = Buffer.alloc(lead + 4096);
  for (let i = 0; i < lead; i++) scratch[i] = (block[i] as number) ^ 0x36;
  const outer = Buffer.alloc(96);
  for (let i = 0; i < 64; i++) outer[i] = (block[i] as number) ^ 0x5c;
  const hashOf = (length: number): string => {
    if (!hmac) return crypto.hash('sha256', scratch.subarray(0, length), 'hex');
    (crypto.hash('sha256', scratch.subarray(0, length), 'buffer') as unknown as Buffer).copy(outer, 64);
    return crypto.hash('sha256', outer, 'hex');
  };
  (parentPort as NonNullable<typeof parentPort>).on('message', (request: HashRequest) => {
    try {
      const bytes = Buffer.from(request.bytes);
      const bounds = request.bounds;
      let prev = request.prev;
      let out = '';
      for (let i = 0; i < bounds.length; i += 3) {
        const [start, middle, end] = [bounds[i] as number, bounds[i + 1] as number, bounds[i + 2] as number];
        const length = lead + (middle - start) + 64 + (end - middle);
        if (length > scratch.length) {
          const grown = Buffer.alloc(2 * length);
          scratch.copy(grown, 0, 0, lead);
          scratch = grown;
        }
        bytes.copy(scratch, lead, start, middle);
        scratch.write(prev, lead + (middle - start), 'latin1');
        bytes.copy(scratch, lead + (middle - start) + 64, middle, end);
        prev = hashOf(length);
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

  /** The hashes of these records, in order, from `prev`. */
  hash(parts: readonly CoveredParts[], prev: string): Promise<string[]> {
    if (this.#failed !== undefined) return Promise.reject(this.#failed);
    const { bytes, bounds } = encode(parts);
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#worker.postMessage({ id, bytes, bounds, prev } satisfies HashRequest, [bytes, bounds.buffer as ArrayBuffer]);
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

/** Every record's covered bytes but its prev, in one buffer of their own (it is moved to the worker). */
function encode(parts: readonly CoveredParts[]): { bytes: ArrayBuffer; bounds: Uint32Array } {
  let total = 0;
  for (const p of parts) total += Buffer.byteLength(p.body) + Buffer.byteLength(p.envelope) + Buffer.byteLength(p.tail);
  const buffer = Buffer.allocUnsafeSlow(total);
  const bounds = new Uint32Array(parts.length * 3);
  let at = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as CoveredParts;
    bounds[3 * i] = at;
    at += buffer.write(p.body, at, 'utf8');
    at += buffer.write(p.envelope, at, 'utf8');
    bounds[3 * i + 1] = at;
    at += buffer.write(p.tail, at, 'utf8');
    bounds[3 * i + 2] = at;
  }
  return { bytes: buffer.buffer as ArrayBuffer, bounds };
}

function split(hashes: string): string[] {
  const out = new Array<string>(hashes.length / 64);
  for (let i = 0; i < out.length; i++) out[i] = hashes.slice(i * 64, i * 64 + 64);
  return out;
}
