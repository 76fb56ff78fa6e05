import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { Batch } from '@ferry/sdk';
import type { Compression } from './key.js';
import { ENVELOPE_VERSION, ENVELOPE_FIELD, hasEnvelope } from './envelope.js';

const gzip = promisify(gzipCallback);

export const NDJSON_CONTENT_TYPE = 'application/x-ndjson';

const STAMP = `,"${ENVELOPE_FIELD}":{"v":${ENVELOPE_VERSION}}}`;

/**
 * One archive record per event: the event's stored text (as its source sent it), never
 * decoded and re-encoded, with the envelope member Ferry adds (`"ferry":{"v":3}`) written in
 * place of its closing brace — unless a processor already set one (the integrity processor
 * puts its chain link there, with the version).
 */
export function archiveLines(batch: Batch): string[] {
  // Decoding every line to look for the field would cost more than the write: hasEnvelope
  // finds a top-level envelope from the text, decoding only in the rare ambiguous case.
  return batch.lines.map((line) => (hasEnvelope(line) ? line : line.slice(0, -1) + STAMP));
}

/** The UTF-8 size of each record of `archiveLines`, newline included, and which lines get the stamp. */
function recordSizes(lines: readonly string[]): { sizes: Uint32Array; stamped: boolean[] } {
  const stamped = lines.map((line) => !hasEnvelope(line));
  const sizes = new Uint32Array(lines.length);
  for (let i = 0; i < lines.length; i++) sizes[i] = Buffer.byteLength(lines[i] as string) + 1 + (stamped[i] ? STAMP.length - 1 : 0);
  return { sizes, stamped };
}

/** Writes one record at `at` (room checked by the caller); returns where the next one starts. */
function writeRecord(target: Buffer, at: number, line: string, stamped: boolean): number {
  at += target.write(line, at, 'utf8');
  // A line is one JSON object, so it ends with its closing brace, one byte: the stamp
  // (ASCII, and ending with that brace) overwrites it.
  if (stamped) at += target.write(STAMP, at - 1, 'latin1') - 1;
  target[at++] = 0x0a;
  return at;
}

/**
 * The records of `archiveLines` as NDJSON bytes, written line by line into one buffer with
 * the envelope put in place of each closing brace: joining the lines into one string first
 * (some hold non-ASCII text) made a large two-byte string that V8 builds and encodes slowly —
 * 21 ms per 5,000 generator events, against about 2 ms this way.
 */
function archiveBody(batch: Batch): Buffer {
  const lines = batch.lines;
  const { sizes, stamped } = recordSizes(lines);
  let total = 0;
  for (const size of sizes) total += size;
  const body = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < lines.length; i++) at = writeRecord(body, at, lines[i] as string, stamped[i] as boolean);
  return body;
}

/**
 * The same bytes as `encodeObject(batch, 'none')`, as consecutive pieces written into
 * `scratch`: each piece is valid only until the next is asked for, so the caller writes it
 * out first. A record larger than `scratch` comes as a piece of its own.
 *
 * Why: a whole object is one allocation outside the V8 heap per batch (1.2 MB for 5,000
 * generator events) that lives through the write and its fsync, long enough to be promoted,
 * and is then freed only by a full collection; a reused buffer is never garbage.
 */
export function* archivePieces(batch: Batch, scratch: Buffer): Generator<Buffer, void, undefined> {
  let at = 0;
  for (const line of batch.lines) {
    const stamped = !hasEnvelope(line);
    const extra = stamped ? STAMP.length : 1;
    // A UTF-16 code unit is at most 3 bytes of UTF-8: a record that surely fits is written
    // without measuring it first (measuring every line was a second pass over its text).
    if (at + 3 * line.length + extra > scratch.length) {
      const size = Buffer.byteLength(line) + extra;
      if (at + size > scratch.length && at > 0) {
        yield scratch.subarray(0, at);
        at = 0;
      }
      if (size > scratch.length) {
        const own = Buffer.allocUnsafe(size);
        writeRecord(own, 0, line, stamped);
        yield own;
        continue;
      }
    }
    at = writeRecord(scratch, at, line, stamped);
  }
  if (at > 0) yield scratch.subarray(0, at);
}

/** The bytes of one archive object: its NDJSON records, gzip-compressed off the main thread when asked. */
export async function encodeObject(batch: Batch, compression: Compression): Promise<Buffer> {
  const body = archiveBody(batch);
  return compression === 'gzip' ? gzip(body) : body;
}
