import { createHash, createHmac } from 'node:crypto';
import canonicalizeModule from 'canonicalize';
import type { FerryEvent, JsonValue } from '@ferry/sdk';
import { ENVELOPE_FIELD, ENVELOPE_VERSION } from './envelope.js';

// canonicalize is CommonJS; its default export is the function.
const canonicalizeJson = canonicalizeModule as unknown as (value: unknown) => string | undefined;

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

/**
 * RFC 8785 (JSON Canonicalization Scheme): keys sorted, no whitespace, numbers and
 * strings as ECMAScript serializes them — the same bytes for the same JSON value on any
 * machine, whatever the key order or spacing of the stored line.
 */
export function canonicalize(value: unknown): string {
  const text = canonicalizeJson(value);
  if (text === undefined) throw new TypeError('value cannot be canonicalized');
  return text;
}

/**
 * The hash of a record: SHA-256 (or HMAC-SHA256 with the chain's secret) over the
 * canonical form of the event with its link, minus the link's own `hash`.
 */
export function linkHash(event: FerryEvent, link: Omit<ChainLink, 'hash'>, secret?: string): string {
  const { hash: _ignored, ...unhashed } = link as ChainLink;
  const text = canonicalize({ ...event, [ENVELOPE_FIELD]: unhashed });
  if (link.alg === 'hmac-sha256') {
    if (secret === undefined) throw new Error('an HMAC chain needs its secret');
    return createHmac('sha256', secret).update(text).digest('hex');
  }
  return createHash('sha256').update(text).digest('hex');
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
