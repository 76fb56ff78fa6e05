import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { Hashers } from './line-check.js';
import { readObject } from './object-read.js';
import { pack } from './packed.js';

/**
 * A verify worker thread: reads, decompresses and checks whole objects of a directory
 * archive (`readObject`), one at a time, and answers each object's results. The main thread
 * follows the chains through them in key order.
 */
export interface ObjectRequest {
  readonly id: number;
  readonly path: string;
  readonly gzip: boolean;
}

const hashers = new Hashers((workerData as { secret: string | undefined }).secret);

parentPort?.on('message', (request: ObjectRequest) => {
  readObject(createReadStream(request.path, { highWaterMark: 1024 * 1024 }), request.gzip, hashers).then(
    (result) => parentPort?.postMessage({ id: request.id, packed: pack(result) }),
    (error: unknown) => parentPort?.postMessage({ id: request.id, packed: pack({ results: [], damage: { line: 0, problem: `the object cannot be read: ${String(error)}` } }) }),
  );
});
