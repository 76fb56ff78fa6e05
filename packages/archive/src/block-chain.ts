import { createHash, createHmac } from 'node:crypto';
import { MissingSecretError, type LinkHasher } from './chain.js';
import { closingBrace, envelopeSeparator, HASH_MEMBER, HASH_TAIL_LENGTH, HEX64 } from './byte-chain.js';
import type { ChainAlgorithm } from './envelope.js';

/**
 * The hash chain of envelope version 3: blocks of records over their stored bytes.
 *
 * Every record is the event's text as the source sent it with Ferry's envelope appended
 * as its last member. Most records carry only their place in the writer's chain (members):
 *
 *   <event text without its closing brace>,"ferry":{"v":3,"writer":W,"seq":N[,"upstream":U]}}
 *
 * and the last record of each block (its seal) carries the block's hash:
 *
 *   <event text without its closing brace>,"ferry":{"v":3,"writer":W,"seq":N,"alg":A,"first":F,"prev":P[,"upstream":U],"hash":"H"}}
 *
 * A block is the records `first` … `seq` of one writer, at most BLOCK_RECORDS of them (fewer
 * when their text reaches BLOCK_BYTES), all from one receiver hand-off (so one durable append holds a block whole). H is SHA-256 (or
 * HMAC-SHA256 with the chain's secret) of the UTF-8 bytes of the block's member lines, each
 * followed by a line feed, then the seal up to `,"hash":` (all but its last 76 characters).
 * P is the previous block's H (64 zeros, GENESIS, for the chain's first block).
 *
 * Why blocks (version 2 hashed every record on its own, with `alg`, `prev` and `hash` in
 * each): a hash call costs about a microsecond before it hashes anything, and a 214-byte
 * link made every record 1.8 times as long through every later step (the log, its
 * checksum, the batch, the archive). Together that cost about a third of the pipeline's
 * throughput; a block costs one hash call per hundred records and 30 bytes a member. The
 * trade-off: a changed byte is located to its block (at most 100 records, named by first
 * and last line), not to its line; a block whose seal is not (yet) in the archive cannot
 * be checked, and `ferry verify` lists its records as awaiting their seal rather than vouch
 * for them.
 */
export const BLOCK_CHAIN_VERSION = 3;

/** At most this many records per block: where a change is located, and how often the chain hashes. */
export const BLOCK_RECORDS = 100;

/**
 * A block also ends at the record that brings it to this many bytes of text, so that the
 * writer's buffer (and the verifier's) holds at most about this much plus one event,
 * however large the events are.
 */
export const BLOCK_BYTES = 1024 * 1024;

/** `,"hash":"` + 64 hex digits + `"}}`: the fixed tail of every seal (as of a version-2 record). */
export const SEAL_TAIL_LENGTH = HASH_TAIL_LENGTH;

/** The constant pieces of one writer's envelopes, serialized once per writer. */
export interface BlockForm {
  /** Before seq: `"ferry":{"v":3,"writer":W,"seq":`. */
  readonly prefix: string;
  /** A seal's, between seq and first: `,"alg":A,"first":`. */
  readonly sealMiddle: string;
}

export function blockForm(writer: string, alg: ChainAlgorithm): BlockForm {
  return { prefix: `"ferry":{"v":${BLOCK_CHAIN_VERSION},"writer":${JSON.stringify(writer)},"seq":`, sealMiddle: `,"alg":${JSON.stringify(alg)},"first":` };
}

/** What follows a member's seq, or a seal's prev (with prev's closing quote): the upstream envelope if any. */
export function memberTail(upstream?: string): string {
  return upstream === undefined ? '' : `,"upstream":${upstream}`;
}

/** Where a record's envelope starts: after the event's last member (no comma for an empty object). */
function opening(text: string): string {
  const end = closingBrace(text);
  return text.slice(0, end) + envelopeSeparator(text, end);
}

/**
 * The plain definition of version 3, record by record, as strings: the reference the fast
 * BlockLinker is tested against, and what a reader in another language implements.
 */
export function blockLinker(writer: string, alg: ChainAlgorithm, hasher: LinkHasher): {
  member(text: string, seq: number, upstream?: string): string;
  seal(text: string, seq: number, first: number, prev: string, upstream?: string): { line: string; hash: string };
} {
  const form = blockForm(writer, alg);
  let block = '';
  return {
    member(text, seq, upstream) {
      const line = `${opening(text)}${form.prefix}${seq}${memberTail(upstream)}}}`;
      block += `${line}\n`;
      return line;
    },
    seal(text, seq, first, prev, upstream) {
      const own = `${opening(text)}${form.prefix}${seq}${form.sealMiddle}${first},"prev":"${prev}"${memberTail(upstream)}`;
      const hash = hasher(block + own);
      block = '';
      return { line: `${own}${HASH_MEMBER}${hash}"}}`, hash };
    },
  };
}

/**
 * The part of a seal its hash covers (after the block's members), or undefined when the
 * line does not end in the form Ferry writes (`,"hash":"<64 hex>"}}`).
 */
export function sealCovered(bytes: Uint8Array): Uint8Array | undefined {
  const at = bytes.length - SEAL_TAIL_LENGTH;
  if (at <= 0) return undefined;
  for (let i = 0; i < HASH_MEMBER.length; i++) if (bytes[at + i] !== HASH_MEMBER.charCodeAt(i)) return undefined;
  const n = bytes.length;
  if (bytes[n - 1] !== 0x7d || bytes[n - 2] !== 0x7d || bytes[n - 3] !== 0x22) return undefined;
  if (!HEX64.test(Buffer.from(bytes.buffer, bytes.byteOffset + at + HASH_MEMBER.length, 64).toString('latin1'))) return undefined;
  return bytes.subarray(0, at);
}

/** A block's hash, fed line by line: what `ferry verify` computes as it streams an archive. */
export interface BlockHasher {
  update(bytes: Uint8Array): void;
  /** The hash of everything fed since the last digest; starts a new block. */
  digest(): string;
}

const NEWLINE = Buffer.from('\n');

/** A BlockHasher; members are fed with `member` (which adds their line feed), the seal's covered bytes with `update`. */
export function createBlockHasher(alg: ChainAlgorithm, secret?: string): BlockHasher & { member(bytes: Uint8Array): void } {
  if (alg !== 'sha256' && alg !== 'hmac-sha256') throw new TypeError(`unknown chain algorithm ${JSON.stringify(alg)}`);
  if (alg === 'hmac-sha256' && (secret === undefined || secret === '')) throw new MissingSecretError('an hmac-sha256 chain can only be checked with its secret');
  const start = () => (alg === 'sha256' ? createHash('sha256') : createHmac('sha256', secret as string));
  let running = start();
  return {
    update(bytes) {
      running.update(bytes);
    },
    member(bytes) {
      running.update(bytes);
      running.update(NEWLINE);
    },
    digest() {
      const hash = running.digest('hex');
      running = start();
      return hash;
    },
  };
}
