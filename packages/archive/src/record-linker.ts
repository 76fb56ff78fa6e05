import { createByteHasher } from './chain.js';
import { closingBrace, envelopeSeparator, HASH_MEMBER as HASH_MEMBER_TEXT, recordForm, recordTail } from './byte-chain.js';
import type { ChainAlgorithm } from './envelope.js';

const HASH_MEMBER = Buffer.from(HASH_MEMBER_TEXT, 'latin1');

/**
 * Ferry writes version 3 now (BlockLinker); this stays so that tests write the version-2
 * archives `ferry verify` must go on checking.
 *
 * Builds and hashes one writer's version-2 records (see byte-chain.ts) on this thread, in
 * one reused buffer: the record's bytes are written once, hashed (`createByteHasher`, as
 * `ferry verify` hashes them) and — for the common event of ASCII text — read back as the
 * stored line in one piece.
 *
 * Why not `coveredText` + a hasher + `byteRecordLine`: those build each record as a chain
 * of concatenated strings that V8 must copy into one string before hashing it and again
 * (a second string) before storing the line, and a garbage collector that then moves both;
 * that cost about 3 µs an event, more than the two SHA-256 passes of an HMAC. Here: about
 * 2.5 µs in all, HMAC included (bench/integrity.ts). The records are byte for byte the
 * same (tested against `byteLinker`).
 */
export class RecordLinker {
  /** [the covered bytes] [`,"hash":"` hash `"}}`]. */
  #buffer = Buffer.alloc(4096);
  readonly #hashBytes: (bytes: Uint8Array) => string;
  readonly #prefix: Buffer;
  readonly #middle: Buffer;
  readonly #prefixText: string;
  readonly #middleText: string;
  readonly #asciiForm: boolean;
  /** The hash of the record `link` built last. */
  hash = '';

  constructor(writer: string, alg: ChainAlgorithm, secret?: string) {
    const form = recordForm(writer, alg);
    [this.#prefixText, this.#middleText] = [form.prefix, form.middle];
    this.#prefix = Buffer.from(form.prefix, 'utf8');
    this.#middle = Buffer.from(form.middle, 'utf8');
    this.#asciiForm = this.#prefix.length === form.prefix.length;
    this.#hashBytes = createByteHasher(alg, secret);
  }

  /**
   * The stored line of the record for `text` (one JSON object on one line, without a
   * `ferry` member) at `seq` after `prev`; its hash is then `this.hash`. `tail` is
   * `recordTail(upstream)`.
   */
  link(text: string, seq: number, prev: string, tail = recordTail()): string {
    const end = closingBrace(text);
    const separator = envelopeSeparator(text, end);
    // A UTF-16 code unit is at most 3 bytes of UTF-8; seq at most 16 digits.
    this.#ensure(3 * (text.length + tail.length) + this.#prefix.length + this.#middle.length + 16 + 64 + HASH_MEMBER.length + 64 + 3);
    const buffer = this.#buffer;
    let at = 0;
    // The text as a whole (its last character is almost always the brace), then back over the brace.
    const body = end === text.length - 1 ? text : text.slice(0, end + 1);
    const written = buffer.write(body, at, 'utf8');
    let ascii = written === body.length;
    at += written - 1;
    if (separator !== '') buffer[at++] = 0x2c;
    at += this.#prefix.copy(buffer, at);
    at = writeDigits(buffer, at, seq);
    at += this.#middle.copy(buffer, at);
    at += buffer.write(prev, at, 'latin1');
    if (tail === '"') buffer[at++] = 0x22;
    else {
      const tailBytes = buffer.write(tail, at, 'utf8');
      ascii &&= tailBytes === tail.length;
      at += tailBytes;
    }
    const hash = this.#hashBytes(buffer.subarray(0, at));
    this.hash = hash;
    if (!(ascii && this.#asciiForm)) {
      return `${text.slice(0, end)}${separator}${this.#prefixText}${seq}${this.#middleText}${prev}${tail}${HASH_MEMBER_TEXT}${hash}"}}`;
    }
    at += HASH_MEMBER.copy(buffer, at);
    at += buffer.write(hash, at, 'latin1');
    buffer[at++] = 0x22;
    buffer[at++] = 0x7d;
    buffer[at++] = 0x7d;
    return buffer.toString('latin1', 0, at);
  }

  #ensure(bytes: number): void {
    if (bytes > this.#buffer.length) this.#buffer = Buffer.alloc(2 * bytes);
  }
}

/** The decimal digits of a non-negative safe integer at `at`; returns the index after them. */
export function writeDigits(buffer: Buffer, at: number, value: number): number {
  let digits = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  for (let i = digits - 1, rest = value; i >= 0; i--, rest = Math.floor(rest / 10)) buffer[at + i] = 0x30 + (rest % 10);
  return at + digits;
}
