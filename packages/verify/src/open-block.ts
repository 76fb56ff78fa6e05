import { BLOCK_BYTES, BLOCK_RECORDS } from '@ferry/archive';
import type { Place } from './report.js';

/**
 * The block of a version-3 chain being read: the bytes its seal's hash must cover (each
 * member's line and a line feed), gathered until the seal arrives. The algorithm is named
 * only by the seal, so the bytes are kept rather than hashed as they come; at most
 * BLOCK_RECORDS lines, and members of at most MAX_MEMBER_BYTES, since Ferry never writes a
 * larger block (one that is larger is not buffered further, and fails). One buffer per
 * writer, reused from block to block.
 */
/**
 * The writer seals a block before a member would bring its text (UTF-16 units) to
 * BLOCK_BYTES; in UTF-8 with envelopes that is under three times as many bytes.
 */
const MAX_MEMBER_BYTES = 4 * BLOCK_BYTES;

export class OpenBlock {
  /** The sequence number of the first record read into the block. */
  first = 0;
  start: Place = { key: '', line: 0 };
  last: Place = { key: '', line: 0 };
  /** The record before the block, when it is the chain's head (so its hash must be the seal's prev); undefined after a gap or at the start of what was read. */
  after: Place | undefined;
  /** Whether the block began right after the head (or at seq 1): only then can its prev be checked. */
  contiguous = false;
  records = 0;
  /** More members than a block holds: not as Ferry writes, and no longer gathered. */
  overflow = false;
  open = false;
  #buffer = Buffer.alloc(64 * 1024);
  #length = 0;

  begin(seq: number, place: Place, contiguous: boolean, after: Place | undefined): void {
    this.first = seq;
    this.start = place;
    this.last = place;
    this.contiguous = contiguous;
    this.after = contiguous ? after : undefined;
    this.records = 0;
    this.overflow = false;
    this.open = true;
    this.#length = 0;
  }

  member(bytes: Uint8Array, place: Place): void {
    this.records++;
    this.last = place;
    if (this.records >= BLOCK_RECORDS || this.#length + bytes.length > MAX_MEMBER_BYTES) this.overflow = true;
    if (this.overflow) return;
    this.#append(bytes);
    this.#buffer[this.#length++] = 0x0a;
  }

  /** Adds the seal's covered bytes; the whole block's bytes, valid until the next block begins. */
  seal(covered: Uint8Array, place: Place): Uint8Array {
    this.records++;
    this.last = place;
    this.#append(covered);
    return this.#buffer.subarray(0, this.#length);
  }

  close(): void {
    this.open = false;
    this.#length = 0;
  }

  #append(bytes: Uint8Array): void {
    const needed = this.#length + bytes.length + 1;
    if (needed > this.#buffer.length) {
      const grown = Buffer.alloc(2 * needed);
      this.#buffer.copy(grown, 0, 0, this.#length);
      this.#buffer = grown;
    }
    this.#buffer.set(bytes, this.#length);
    this.#length += bytes.length;
  }
}
