import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { Batch } from '@ferry/sdk';
import type { Compression } from './key.js';

const gzip = promisify(gzipCallback);

export const NDJSON_CONTENT_TYPE = 'application/x-ndjson';

/** The bytes of one archive object: the batch's NDJSON, gzip-compressed off the main thread when asked. */
export async function encodeObject(batch: Batch, compression: Compression): Promise<Buffer> {
  const body = batch.ndjson();
  return compression === 'gzip' ? gzip(body) : body;
}
