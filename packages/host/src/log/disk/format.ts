import { crc32 } from 'node:zlib';

/**
 * One record of the write-ahead log, as bytes:
 *
 *   magic u32 | payload length u32 | crc32(payload) u32 | payload
 *   payload = firstSeq f64 | receivedAt f64 | count u32 | state length u32 | state JSON | NDJSON lines
 *
 * The magic lets a reader find the next record after a damaged one; the checksum tells a
 * torn or corrupted record from a good one.
 */
export const MAGIC = 0xfe44_7201;
export const HEADER_BYTES = 12;
const FIXED_PAYLOAD_BYTES = 8 + 8 + 4 + 4;
/** No record is larger; a length beyond it means the header itself is damaged. */
export const MAX_RECORD_BYTES = 512 * 1024 * 1024;

export interface DecodedRecord {
  readonly firstSeq: number;
  readonly receivedAt: number;
  readonly count: number;
  readonly state: string | undefined;
  readonly lines: string[];
  readonly sizes: Uint32Array;
  readonly bytes: number;
}

/**
 * Encodes a record. `linesBytes`, the UTF-8 size of the lines plus their newlines, is
 * measured when not given; the log passes it (it measures each line for the cache anyway).
 * Lines are written one by one into the record: joining them first builds a large string
 * V8 must flatten and measure again, which cost a fifth of the CPU with persistence on.
 */
export function encodeRecord(firstSeq: number, receivedAt: number, lines: readonly string[], state: string | undefined, linesBytes?: number): Buffer {
  const stateBytes = state === undefined ? 0 : Buffer.byteLength(state);
  let bodyBytes = linesBytes;
  if (bodyBytes === undefined) {
    bodyBytes = 0;
    for (const line of lines) bodyBytes += Buffer.byteLength(line) + 1;
  }
  const payloadBytes = FIXED_PAYLOAD_BYTES + stateBytes + bodyBytes;
  const buffer = Buffer.allocUnsafe(HEADER_BYTES + payloadBytes);
  let at = HEADER_BYTES;
  at = buffer.writeDoubleLE(firstSeq, at);
  at = buffer.writeDoubleLE(receivedAt, at);
  at = buffer.writeUInt32LE(lines.length, at);
  at = buffer.writeUInt32LE(stateBytes, at);
  if (state !== undefined) at += buffer.write(state, at, 'utf8');
  for (const line of lines) {
    at += buffer.write(line, at, 'utf8');
    buffer[at++] = 10;
  }
  if (at !== buffer.length) throw new Error(`log record size mismatch: measured ${buffer.length} bytes, wrote ${at}`);
  buffer.writeUInt32LE(MAGIC, 0);
  buffer.writeUInt32LE(payloadBytes, 4);
  buffer.writeUInt32LE(crc32(buffer.subarray(HEADER_BYTES)), 8);
  return buffer;
}

export type HeaderCheck =
  | { readonly kind: 'ok'; readonly payloadBytes: number }
  | { readonly kind: 'short' } // fewer bytes than a header: the end of the data (or a torn write)
  | { readonly kind: 'bad' }; // not a record header

export function checkHeader(buffer: Buffer, at: number): HeaderCheck {
  if (buffer.length - at < HEADER_BYTES) return { kind: 'short' };
  if (buffer.readUInt32LE(at) !== MAGIC) return { kind: 'bad' };
  const payloadBytes = buffer.readUInt32LE(at + 4);
  if (payloadBytes < FIXED_PAYLOAD_BYTES || payloadBytes > MAX_RECORD_BYTES) return { kind: 'bad' };
  return { kind: 'ok', payloadBytes };
}

export function payloadIntact(buffer: Buffer, at: number, payloadBytes: number): boolean {
  return crc32(buffer.subarray(at + HEADER_BYTES, at + HEADER_BYTES + payloadBytes)) === buffer.readUInt32LE(at + 8);
}

/** Reads a record's sequence range without decoding its lines. */
export function peekRange(buffer: Buffer, at: number): { firstSeq: number; count: number } {
  return { firstSeq: buffer.readDoubleLE(at + HEADER_BYTES), count: buffer.readUInt32LE(at + HEADER_BYTES + 16) };
}

/** Decodes an intact record (check it first). Returns undefined when its contents do not add up. */
export function decodeRecord(buffer: Buffer, at: number, payloadBytes: number): DecodedRecord | undefined {
  const start = at + HEADER_BYTES;
  const end = start + payloadBytes;
  const firstSeq = buffer.readDoubleLE(start);
  const receivedAt = buffer.readDoubleLE(start + 8);
  const count = buffer.readUInt32LE(start + 16);
  const stateBytes = buffer.readUInt32LE(start + 20);
  let position = start + FIXED_PAYLOAD_BYTES;
  if (position + stateBytes > end) return undefined;
  const state = stateBytes === 0 ? undefined : buffer.toString('utf8', position, position + stateBytes);
  position += stateBytes;
  const lines: string[] = [];
  const sizes = new Uint32Array(count);
  let bytes = 0;
  while (position < end) {
    const newline = buffer.indexOf(10, position);
    if (newline === -1 || newline >= end) return undefined;
    if (lines.length === count) return undefined;
    sizes[lines.length] = newline - position + 1;
    bytes += newline - position + 1;
    lines.push(buffer.toString('utf8', position, newline));
    position = newline + 1;
  }
  return lines.length === count ? { firstSeq, receivedAt, count, state, lines, sizes, bytes } : undefined;
}
