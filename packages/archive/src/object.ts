import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { Batch } from '@ferry/sdk';
import type { Compression } from './key.js';
import { ENVELOPE_VERSION, ENVELOPE_FIELD, hasEnvelope } from './envelope.js';

const gzip = promisify(gzipCallback);

export const NDJSON_CONTENT_TYPE = 'application/x-ndjson';

const STAMP = `,"${ENVELOPE_FIELD}":{"v":${ENVELOPE_VERSION}}}`;

/**
 * One archive record per event: the event as accepted, plus the envelope field Ferry adds
 * (`"ferry":{"v":1}`) unless a processor already set one (the integrity processor puts its
 * chain link there, with the version).
 */
export function archiveLines(batch: Batch): string[] {
  // Decoding every line to look for the field would cost more than the write: hasEnvelope
  // finds a top-level envelope from the text, decoding only in the rare ambiguous case.
  return batch.lines.map((line) => (hasEnvelope(line) ? line : line.slice(0, -1) + STAMP));
}

/** The bytes of one archive object: its NDJSON records, gzip-compressed off the main thread when asked. */
export async function encodeObject(batch: Batch, compression: Compression): Promise<Buffer> {
  const lines = archiveLines(batch);
  const body = Buffer.from(lines.length === 0 ? '' : `${lines.join('\n')}\n`);
  return compression === 'gzip' ? gzip(body) : body;
}
