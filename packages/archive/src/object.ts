import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { Batch } from '@ferry/sdk';
import type { Compression } from './key.js';
import { ENVELOPE_VERSION, ENVELOPE_FIELD } from './envelope.js';

const gzip = promisify(gzipCallback);

export const NDJSON_CONTENT_TYPE = 'application/x-ndjson';

const STAMP = `,"${ENVELOPE_FIELD}":{"v":${ENVELOPE_VERSION}}}`;

/**
 * One archive record per event: the event as accepted, plus the envelope field Ferry adds
 * (`"ferry":{"v":1}`) unless a processor already set one (the integrity processor puts its
 * chain link there, with the version).
 */
export function archiveLines(batch: Batch): string[] {
  const { lines } = batch;
  // Decoding every line only to look for the field would cost more than the write: only
  // lines that mention it at all are decoded to see whether it is the top-level one.
  const marker = `"${ENVELOPE_FIELD}":`;
  return lines.map((line) => (line.includes(marker) && (JSON.parse(line) as Record<string, unknown>)[ENVELOPE_FIELD] !== undefined ? line : line.slice(0, -1) + STAMP));
}

/** The bytes of one archive object: its NDJSON records, gzip-compressed off the main thread when asked. */
export async function encodeObject(batch: Batch, compression: Compression): Promise<Buffer> {
  const lines = archiveLines(batch);
  const body = Buffer.from(lines.length === 0 ? '' : `${lines.join('\n')}\n`);
  return compression === 'gzip' ? gzip(body) : body;
}
