import { createByteHasher } from './chain.js';
import { writeDigits } from './record-linker.js';
import { blockForm } from './block-chain.js';
import { closingBrace, envelopeSeparator, HASH_MEMBER } from './byte-chain.js';
import type { ChainAlgorithm } from './envelope.js';

const SEAL_HASH = Buffer.from(HASH_MEMBER, 'latin1');
const PREV = Buffer.from(',"prev":"', 'latin1');

/**
 * Builds one writer's version-3 records (see block-chain.ts) on this thread. Each record
 * is written once into the block's buffer, which is then hashed in one call at the seal;
 * for ASCII text (nearly every event) the stored line is read back from the buffer in one
 * piece, a flat string, rather than joined from parts V8 must copy again. Byte for byte
 * what `blockLinker` builds (tested).
 */
export class BlockLinker {
  /** The open block: its members' lines, each with its line feed, then the seal being built. */
  #buffer = Buffer.alloc(64 * 1024);
  #at = 0;
  readonly #hashBytes: (bytes: Uint8Array) => string;
  readonly #prefix: Buffer;
  readonly #sealMiddle: Buffer;
  readonly #prefixText: string;
  readonly #sealMiddleText: string;
  readonly #asciiForm: boolean;
  /** The hash of the block `seal` closed last. */
  hash = '';

  constructor(writer: string, alg: ChainAlgorithm, secret?: string) {
    const form = blockForm(writer, alg);
    [this.#prefixText, this.#sealMiddleText] = [form.prefix, form.sealMiddle];
    this.#prefix = Buffer.from(form.prefix, 'utf8');
    this.#sealMiddle = Buffer.from(form.sealMiddle, 'utf8');
    this.#asciiForm = this.#prefix.length === form.prefix.length;
    this.#hashBytes = createByteHasher(alg, secret);
  }

  /** The stored line of a member record for `text` at `seq`; `tail` is `memberTail(upstream)`. */
  member(text: string, seq: number, tail = ''): string {
    const start = this.#at;
    const { body, separator, ascii } = this.#opening(text, seq, tail, 0);
    let at = this.#at;
    const buffer = this.#buffer;
    let tailAscii = true;
    if (tail !== '') {
      const written = buffer.write(tail, at, 'utf8');
      tailAscii = written === tail.length;
      at += written;
    }
    buffer[at++] = 0x7d;
    buffer[at++] = 0x7d;
    const line = ascii && tailAscii && this.#asciiForm ? buffer.toString('latin1', start, at) : `${body.slice(0, -1)}${separator}${this.#prefixText}${seq}${tail}}}`;
    buffer[at++] = 0x0a;
    this.#at = at;
    return line;
  }

  /**
   * The stored line of the seal for `text` at `seq`, closing the block that began at
   * `first` after the block whose hash is `prev`; the block's hash is then `this.hash`.
   */
  seal(text: string, seq: number, first: number, prev: string, tail = ''): string {
    const start = this.#at;
    const { body, separator, ascii } = this.#opening(text, seq, tail, 64 + 32);
    const buffer = this.#buffer;
    let at = this.#at;
    at += this.#sealMiddle.copy(buffer, at);
    at = writeDigits(buffer, at, first);
    at += PREV.copy(buffer, at);
    at += buffer.write(prev, at, 'latin1');
    buffer[at++] = 0x22;
    let tailAscii = true;
    if (tail !== '') {
      const written = buffer.write(tail, at, 'utf8');
      tailAscii = written === tail.length;
      at += written;
    }
    const hash = this.#hashBytes(buffer.subarray(0, at));
    this.hash = hash;
    this.#at = 0;
    if (!(ascii && tailAscii && this.#asciiForm)) {
      return `${body.slice(0, -1)}${separator}${this.#prefixText}${seq}${this.#sealMiddleText}${first},"prev":"${prev}"${tail}${HASH_MEMBER}${hash}"}}`;
    }
    at += SEAL_HASH.copy(buffer, at);
    at += buffer.write(hash, at, 'latin1');
    buffer[at++] = 0x22;
    buffer[at++] = 0x7d;
    buffer[at++] = 0x7d;
    return buffer.toString('latin1', start, at);
  }

  /** Bytes of the open block's members so far. */
  get pending(): number {
    return this.#at;
  }

  /** Drops an open block's members (the host dropped the call they were linked for). */
  reset(): void {
    this.#at = 0;
  }

  /**
   * Writes the record's text up to its closing brace, the separator and the envelope up
   * to and with seq's digits, at the end of the block; leaves `#at` after them.
   */
  #opening(text: string, seq: number, tail: string, extra: number): { body: string; separator: string; ascii: boolean } {
    const end = closingBrace(text);
    const separator = envelopeSeparator(text, end);
    // A UTF-16 code unit is at most 3 bytes of UTF-8; seq and first at most 16 digits each.
    this.#ensure(3 * (text.length + tail.length) + this.#prefix.length + this.#sealMiddle.length + 2 * 16 + 64 + SEAL_HASH.length + 64 + 8 + extra);
    const buffer = this.#buffer;
    let at = this.#at;
    // The text as a whole (its last character is almost always the brace), then back over the brace.
    const body = end === text.length - 1 ? text : text.slice(0, end + 1);
    const written = buffer.write(body, at, 'utf8');
    at += written - 1;
    if (separator !== '') buffer[at++] = 0x2c;
    at += this.#prefix.copy(buffer, at);
    this.#at = writeDigits(buffer, at, seq);
    return { body, separator, ascii: written === body.length };
  }

  #ensure(bytes: number): void {
    if (this.#at + bytes <= this.#buffer.length) return;
    const grown = Buffer.alloc(2 * (this.#at + bytes));
    this.#buffer.copy(grown, 0, 0, this.#at);
    this.#buffer = grown;
  }
}
