import { createHash, createHmac } from 'node:crypto';
import type { FerryEvent, JsonValue } from '@ferry/sdk';
import { ENVELOPE_FIELD, ENVELOPE_VERSION } from './envelope.js';


/** `prev` of a writer's first link. */
export const GENESIS = '0'.repeat(64);

export type ChainAlgorithm = 'sha256' | 'hmac-sha256';

/**
 * The integrity link Ferry puts in an event's envelope (`"ferry": {…}`): which writer's
 * chain, its position, the algorithm, the previous link's hash and this record's hash.
 */
export interface ChainLink {
  readonly v: number;
  readonly writer: string;
  readonly seq: number;
  readonly alg: ChainAlgorithm;
  readonly prev: string;
  readonly hash: string;
  /** The envelope of an upstream Ferry, kept (and covered by the hash). */
  readonly upstream?: JsonValue;
}

const HASH_FIELD = ',"hash":"';
const HEX64 = /^[0-9a-f]{64}$/;

/**
 * The hash of a record: SHA-256 (or HMAC-SHA256 with the chain's secret) over the exact JSON
 * text of the record as Ferry writes it, with its link minus the link's own `hash` — so the
 * event, `prev`, `seq` and `writer` are all covered, and any change to the stored bytes
 * (even re-serialization with other spacing or key order) breaks the link.
 */
export function hashText(unhashed: string, alg: ChainAlgorithm, secret?: string): string {
  if (alg === 'hmac-sha256') {
    if (secret === undefined) throw new Error('an HMAC chain needs its secret');
    return createHmac('sha256', secret).update(unhashed).digest('hex');
  }
  return createHash('sha256').update(unhashed).digest('hex');
}

/** The text a link's hash covers: the record serialized with its link, without `hash`. */
export function unhashedText(event: FerryEvent, link: Omit<ChainLink, 'hash'>): string {
  return JSON.stringify({ ...event, [ENVELOPE_FIELD]: link });
}

export function linkHash(event: FerryEvent, link: Omit<ChainLink, 'hash'>, secret?: string): string {
  const { hash: _ignored, ...unhashed } = link as ChainLink;
  return hashText(unhashedText(event, unhashed), link.alg, secret);
}

/**
 * Splits an archived line into the text its hash covers and the hash: Ferry writes the link
 * last, with `hash` as its last field, so the line ends `,"hash":"<64 hex>"}}`.
 */
export function splitLine(line: string): { unhashed: string; hash: string } | undefined {
  const at = line.lastIndexOf(HASH_FIELD);
  if (at === -1 || !line.endsWith('"}}')) return undefined;
  const hash = line.slice(at + HASH_FIELD.length, -3);
  return HEX64.test(hash) ? { unhashed: `${line.slice(0, at)}}}`, hash } : undefined;
}

/** The link of an archived record, if it has one (`undefined` for unchained records). */
export function linkOf(record: Record<string, unknown>): ChainLink | undefined {
  const envelope = record[ENVELOPE_FIELD] as Partial<ChainLink> | undefined;
  if (envelope === undefined || typeof envelope !== 'object' || envelope === null) return undefined;
  if (typeof envelope.writer !== 'string' || typeof envelope.seq !== 'number' || typeof envelope.hash !== 'string' || typeof envelope.prev !== 'string') return undefined;
  return envelope as ChainLink;
}

/** The event of an archived record, without its envelope. */
export function eventOf(record: Record<string, unknown>): FerryEvent {
  const { [ENVELOPE_FIELD]: _envelope, ...event } = record;
  return event as FerryEvent;
}

export { ENVELOPE_VERSION };
