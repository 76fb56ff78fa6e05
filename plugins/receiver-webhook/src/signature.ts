import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Which headers carry the timestamp and the v2 signature. */
export interface SignatureHeaders {
  readonly timestamp: string;
  readonly signature: string;
}

/** Grantex's own deliveries. */
export const GRANTEX_HEADERS: SignatureHeaders = { timestamp: 'X-Grantex-Timestamp', signature: 'X-Grantex-Signature-V2' };
/** What Ferry's `http` exporter sends by default, so one Ferry can verify another unconfigured. */
export const FERRY_HEADERS: SignatureHeaders = { timestamp: 'X-Ferry-Timestamp', signature: 'X-Ferry-Signature-V2' };

export type SignatureCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string; readonly code: 'refused_signature' | 'refused_stale' };

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function matches(expected: Buffer, given: string): boolean {
  const match = /^sha256=([0-9a-f]{64})$/i.exec(given.trim());
  if (match === null) return false;
  const actual = Buffer.from(match[1] as string, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * Names the skew, since the usual cause is a clock out of sync on one side rather than a
 * wrong secret; a delivery held back or replayed looks the same.
 */
function staleReason(name: string, skewSeconds: number, toleranceSeconds: number): string {
  const where = skewSeconds < 0 ? `${-skewSeconds} s behind` : `${skewSeconds} s ahead of`;
  return `${name} is ${where} this receiver's clock, beyond the ${toleranceSeconds} s tolerance: check both clocks (NTP), or the delivery was held back or replayed`;
}

/** The timestamp check, possible before the body is read. */
export function checkTimestamp(headers: IncomingHttpHeaders, toleranceSeconds: number, legacy: boolean, names: SignatureHeaders = GRANTEX_HEADERS, now = Date.now()): SignatureCheck {
  const v2 = header(headers, names.signature);
  if (v2 === undefined) {
    if (legacy && header(headers, 'x-grantex-signature') !== undefined) return { ok: true };
    return { ok: false, reason: `missing ${names.signature}`, code: 'refused_signature' };
  }
  const given = header(headers, names.timestamp) ?? '';
  const timestamp = /^\d{1,12}$/.test(given) ? Number(given) : Number.NaN;
  if (Number.isNaN(timestamp)) return { ok: false, reason: `missing or invalid ${names.timestamp}`, code: 'refused_signature' };
  const skew = Math.round(timestamp - now / 1000);
  if (Math.abs(now / 1000 - timestamp) > toleranceSeconds) return { ok: false, reason: staleReason(names.timestamp, skew, toleranceSeconds), code: 'refused_stale' };
  return { ok: true };
}

/**
 * Grantex's v2 signature: HMAC-SHA256 over `<timestamp>.<raw body>` — the bytes as they
 * arrived, never re-serialized — compared in constant time. The legacy body-only
 * signature counts only when enabled and no v2 signature was sent.
 */
export function checkSignature(headers: IncomingHttpHeaders, body: Buffer, secret: string, legacy: boolean, names: SignatureHeaders = GRANTEX_HEADERS): SignatureCheck {
  const v2 = header(headers, names.signature);
  if (v2 !== undefined) {
    const expected = createHmac('sha256', secret).update(`${header(headers, names.timestamp)}.`).update(body).digest();
    return matches(expected, v2) ? { ok: true } : { ok: false, reason: `${names.signature} does not match`, code: 'refused_signature' };
  }
  const old = header(headers, 'x-grantex-signature');
  if (legacy && old !== undefined) {
    const expected = createHmac('sha256', secret).update(body).digest();
    return matches(expected, old) ? { ok: true } : { ok: false, reason: 'X-Grantex-Signature does not match', code: 'refused_signature' };
  }
  return { ok: false, reason: `missing ${names.signature}`, code: 'refused_signature' };
}

/**
 * `Authorization: Bearer <token>` (the scheme in any case, RFC 7235). Digests are compared
 * so that the comparison takes the same time whatever the length of what was sent.
 */
export function checkBearer(headers: IncomingHttpHeaders, token: string): boolean {
  const match = /^bearer +(\S+)\s*$/i.exec(header(headers, 'authorization') ?? '');
  if (match === null) return false;
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(match[1] as string), digest(token));
}
