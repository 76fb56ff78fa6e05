/**
 * Verifies an AWS Signature Version 4 `Authorization` header the way S3 does (s3rver only
 * looks the key id up): the canonical request is rebuilt from what arrived on the wire, so a
 * wrong secret, a header changed after signing or a body that does not match its signed
 * hash is caught. Only header-signed requests are handled (what the SDK sends); query-signed
 * ones are reported as malformed.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Headers } from './checks.js';

export type SignatureVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: 'SignatureDoesNotMatch' | 'XAmzContentSHA256Mismatch' | 'AuthorizationHeaderMalformed'; readonly message: string };

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

// RFC 3986 encoding, as SigV4 wants it (encodeURIComponent leaves !'()* alone).
const encode = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function canonicalQuery(query: string): string {
  if (query === '') return '';
  return query
    .split('&')
    .map((pair) => {
      const at = pair.indexOf('=');
      const [key, value] = at < 0 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
      return [encode(decodeURIComponent(key)), encode(decodeURIComponent(value))] as const;
    })
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

const headerValue = (headers: Headers, name: string): string => {
  const value = headers[name];
  return (Array.isArray(value) ? value.join(',') : (value ?? '')).trim().replace(/\s+/g, ' ');
};

/** Checks `method url` with `headers` and `body` against the signature made with `secretAccessKey`. */
export function verifySigV4(method: string, url: string, headers: Headers, body: Buffer, secretAccessKey: string): SignatureVerdict {
  const match = AUTHORIZATION.exec(headerValue(headers, 'authorization'));
  if (match === null) return { ok: false, code: 'AuthorizationHeaderMalformed', message: 'not a header-signed AWS4-HMAC-SHA256 request' };
  const [, , day, region, service, signedHeaders, signature] = match as unknown as [string, string, string, string, string, string, string];
  const payloadHash = headerValue(headers, 'x-amz-content-sha256');
  // Unsigned and streaming (aws-chunked) payloads are signed with the literal as their hash;
  // the chunks' own signatures are not checked here.
  if (payloadHash !== 'UNSIGNED-PAYLOAD' && !payloadHash.startsWith('STREAMING-')) {
    if (!/^[0-9a-f]{64}$/.test(payloadHash)) return { ok: false, code: 'AuthorizationHeaderMalformed', message: `x-amz-content-sha256 ${payloadHash || '(none)'} is not a payload hash` };
    if (payloadHash !== sha256(body)) return { ok: false, code: 'XAmzContentSHA256Mismatch', message: "The provided 'x-amz-content-sha256' header does not match what was computed." };
  }
  const at = url.indexOf('?');
  const [path, query] = at < 0 ? [url, ''] : [url.slice(0, at), url.slice(at + 1)];
  const names = signedHeaders.split(';');
  const canonicalRequest = [method, path, canonicalQuery(query), ...names.map((name) => `${name}:${headerValue(headers, name)}`), '', signedHeaders, payloadHash].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', headerValue(headers, 'x-amz-date'), scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, day), region), service), 'aws4_request');
  const expected = Buffer.from(hmac(key, stringToSign).toString('hex'));
  const provided = Buffer.from(signature);
  if (expected.length === provided.length && timingSafeEqual(expected, provided)) return { ok: true };
  return { ok: false, code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.' };
}
