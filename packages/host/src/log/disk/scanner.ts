import type { FileHandle } from 'node:fs/promises';
import { checkHeader, decodeRecord, HEADER_BYTES, MAGIC, payloadIntact, peekRange, type DecodedRecord } from './format.js';

export type ScanItem =
  | { readonly kind: 'record'; readonly offset: number; readonly length: number; readonly firstSeq: number; readonly count: number; readonly record: DecodedRecord | undefined }
  /** Bytes that are not an intact record, followed by an intact one: skipped, reported. */
  | { readonly kind: 'corrupt'; readonly offset: number; readonly length: number }
  /** Bytes at the end that are not an intact record and nothing intact follows: a torn write. */
  | { readonly kind: 'torn'; readonly offset: number; readonly length: number };

const CHUNK_BYTES = 1024 * 1024;
const MAGIC_BYTES = Buffer.alloc(4);
MAGIC_BYTES.writeUInt32LE(MAGIC);

/**
 * Reads a segment file record by record through a buffer, never loading the whole file.
 * A damaged stretch is skipped up to the next intact record (found by its magic and
 * checksum), so every good record around damage is kept.
 */
export class SegmentScanner {
  readonly #file: FileHandle;
  /** Where the segment's intact bytes end now: the active segment grows while it is read. */
  readonly #end: () => number;
  #buffer = Buffer.alloc(0);
  #bufferStart = 0; // file offset of #buffer[0]
  #offset: number;

  constructor(file: FileHandle, start: number, end: () => number) {
    this.#file = file;
    this.#offset = start;
    this.#end = end;
  }

  get offset(): number {
    return this.#offset;
  }

  /** Makes bytes [offset, offset + length) available in the buffer, as far as the file goes. */
  async #ensure(offset: number, length: number): Promise<void> {
    const have = this.#bufferStart + this.#buffer.length;
    if (offset >= this.#bufferStart && offset + length <= have) return;
    const want = Math.min(this.#end() - offset, Math.max(length, CHUNK_BYTES));
    if (want <= 0) {
      this.#buffer = Buffer.alloc(0);
      this.#bufferStart = offset;
      return;
    }
    const buffer = Buffer.allocUnsafe(want);
    const { bytesRead } = await this.#file.read(buffer, 0, want, offset);
    this.#buffer = buffer.subarray(0, bytesRead);
    this.#bufferStart = offset;
  }

  async #intactAt(offset: number): Promise<{ length: number; payloadBytes: number } | undefined> {
    await this.#ensure(offset, HEADER_BYTES);
    const at = offset - this.#bufferStart;
    const header = checkHeader(this.#buffer, at);
    if (header.kind !== 'ok' || offset + HEADER_BYTES + header.payloadBytes > this.#end()) return undefined;
    await this.#ensure(offset, HEADER_BYTES + header.payloadBytes);
    const again = offset - this.#bufferStart;
    if (this.#buffer.length - again < HEADER_BYTES + header.payloadBytes) return undefined;
    return payloadIntact(this.#buffer, again, header.payloadBytes) ? { length: HEADER_BYTES + header.payloadBytes, payloadBytes: header.payloadBytes } : undefined;
  }

  /** The next intact record at or after `from`, searching by magic. */
  async #resync(from: number): Promise<number | undefined> {
    let position = from;
    const end = this.#end();
    while (position < end) {
      await this.#ensure(position, Math.min(CHUNK_BYTES, end - position));
      const found = this.#buffer.indexOf(MAGIC_BYTES, position - this.#bufferStart);
      if (found === -1) {
        // Keep the last 3 bytes: a magic may straddle two chunks.
        position = Math.max(position + 1, this.#bufferStart + this.#buffer.length - 3);
        if (this.#bufferStart + this.#buffer.length >= end) return undefined;
        continue;
      }
      const candidate = this.#bufferStart + found;
      if (await this.#intactAt(candidate)) return candidate;
      position = candidate + 1;
    }
    return undefined;
  }

  /** The next item, or undefined at the end; a record's lines are decoded only when `decodeIf` says so. */
  async next(decodeIf: (firstSeq: number, count: number) => boolean = () => true): Promise<ScanItem | undefined> {
    const offset = this.#offset;
    const end = this.#end();
    if (offset >= end) return undefined;
    const intact = await this.#intactAt(offset);
    if (intact === undefined) {
      const next = await this.#resync(offset + 1);
      if (next === undefined) {
        this.#offset = end;
        return { kind: 'torn', offset, length: end - offset };
      }
      this.#offset = next;
      return { kind: 'corrupt', offset, length: next - offset };
    }
    const at = offset - this.#bufferStart;
    const range = peekRange(this.#buffer, at);
    const record = decodeIf(range.firstSeq, range.count) ? decodeRecord(this.#buffer, at, intact.payloadBytes) : undefined;
    this.#offset = offset + intact.length;
    return { kind: 'record', offset, length: intact.length, firstSeq: range.firstSeq, count: range.count, record };
  }
}
