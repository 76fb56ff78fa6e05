/**
 * What the test peer checks on every PutObject before s3rver stores it: the rules real S3
 * enforces that s3rver does not (Content-MD5, Object Lock headers), what S3-compatible
 * stores refuse from the AWS SDK's default checksums since 3.729 (x-amz-checksum-* headers,
 * aws-chunked uploads with trailing checksums), and Ferry's own
 * archive contract for archive keys (NDJSON lines, headers, metadata matching the key).
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { NDJSON_CONTENT_TYPE, OBJECT_METADATA, parseArchiveKey } from '@ferry/archive';

export type Headers = Readonly<Record<string, string | string[] | undefined>>;

export interface PutCheck {
  /** Broken rules, each a sentence naming the object. */
  readonly violations: string[];
  /** Set when real S3 would refuse the request: the error code and status to answer. */
  readonly refusal?: { readonly status: number; readonly code: string; readonly message: string };
  /** The archive records of the object, decoded (empty for other objects). */
  readonly records: Record<string, unknown>[];
}

const header = (headers: Headers, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
};

/** Chunked uploads with trailing checksums: what the SDK sends by default since 3.729. */
function chunkedUpload(headers: Headers): string | undefined {
  if (/aws-chunked/i.test(header(headers, 'content-encoding') ?? '')) return 'Content-Encoding: aws-chunked';
  if ((header(headers, 'x-amz-content-sha256') ?? '').startsWith('STREAMING-')) return `x-amz-content-sha256: ${header(headers, 'x-amz-content-sha256')}`;
  if (header(headers, 'x-amz-trailer') !== undefined) return `x-amz-trailer: ${header(headers, 'x-amz-trailer')}`;
  return undefined;
}

function checkObjectLock(headers: Headers, where: string, violations: string[]): void {
  const mode = header(headers, 'x-amz-object-lock-mode');
  const until = header(headers, 'x-amz-object-lock-retain-until-date');
  if (mode === undefined && until === undefined) return;
  if (mode === undefined || until === undefined) violations.push(`${where}: Object Lock needs both x-amz-object-lock-mode and x-amz-object-lock-retain-until-date`);
  if (mode !== undefined && mode !== 'GOVERNANCE' && mode !== 'COMPLIANCE') violations.push(`${where}: unknown Object Lock mode ${mode}`);
  if (until !== undefined && !(Date.parse(until) > Date.now())) violations.push(`${where}: retain-until date ${until} is not in the future`);
}

function decodeRecords(body: Buffer, gzip: boolean, where: string, violations: string[]): Record<string, unknown>[] {
  let text: string;
  try {
    text = (gzip ? gunzipSync(body) : body).toString('utf8');
  } catch {
    violations.push(`${where}: a .gz key whose body is not gzip`);
    return [];
  }
  if (!text.endsWith('\n')) violations.push(`${where}: NDJSON must end with a newline`);
  const records: Record<string, unknown>[] = [];
  for (const [index, line] of text.split('\n').slice(0, -1).entries()) {
    try {
      const record = JSON.parse(line) as unknown;
      if (typeof record !== 'object' || record === null || Array.isArray(record) || typeof (record as { id?: unknown }).id !== 'string') throw new Error('not an event');
      records.push(record as Record<string, unknown>);
    } catch {
      violations.push(`${where}: line ${index + 1} is not one complete JSON event`);
    }
  }
  return records;
}

function checkArchiveObject(key: string, headers: Headers, body: Buffer, violations: string[]): Record<string, unknown>[] {
  const parsed = parseArchiveKey(key);
  if (parsed === undefined) return [];
  const gzip = parsed.compression === 'gzip';
  const contentType = header(headers, 'content-type');
  const contentEncoding = header(headers, 'content-encoding');
  if (contentType !== NDJSON_CONTENT_TYPE) violations.push(`${key}: Content-Type ${contentType ?? '(none)'}, expected ${NDJSON_CONTENT_TYPE}`);
  if (gzip ? contentEncoding !== 'gzip' : contentEncoding !== undefined) violations.push(`${key}: Content-Encoding ${contentEncoding ?? '(none)'} does not match the key`);
  const records = decodeRecords(body, gzip, key, violations);
  const meta = (name: string) => header(headers, `x-amz-meta-${name}`);
  if (meta(OBJECT_METADATA.events) !== String(records.length)) violations.push(`${key}: ${OBJECT_METADATA.events} is ${meta(OBJECT_METADATA.events)} for ${records.length} lines`);
  if (meta(OBJECT_METADATA.firstSeq) !== String(parsed.firstSeq)) violations.push(`${key}: ${OBJECT_METADATA.firstSeq} is ${meta(OBJECT_METADATA.firstSeq)}, the key says ${parsed.firstSeq}`);
  if (!(meta(OBJECT_METADATA.batchId) ?? '').startsWith(parsed.idPrefix)) violations.push(`${key}: ${OBJECT_METADATA.batchId} ${meta(OBJECT_METADATA.batchId)} does not start with the key's ${parsed.idPrefix}`);
  if (!/^\d+$/.test(meta(OBJECT_METADATA.envelopeVersion) ?? '')) violations.push(`${key}: no ${OBJECT_METADATA.envelopeVersion}`);
  return records;
}

/** Checks one PutObject request (`key` decoded, headers lower-case as Node gives them). */
export function checkPut(key: string, headers: Headers, body: Buffer): PutCheck {
  const violations: string[] = [];
  const chunked = chunkedUpload(headers);
  if (chunked !== undefined) violations.push(`${key}: chunked upload with trailing checksum (${chunked}); several S3-compatible stores store or reject it`);
  const checksumHeaders = Object.keys(headers).filter((name) => name.startsWith('x-amz-checksum-') || name === 'x-amz-sdk-checksum-algorithm');
  if (checksumHeaders.length > 0) violations.push(`${key}: ${checksumHeaders.join(', ')} sent; R2 answers 501 and B2 400 to them (Ferry sends Content-MD5 only)`);
  const md5 = header(headers, 'content-md5');
  let refusal: PutCheck['refusal'];
  if (md5 === undefined) {
    violations.push(`${key}: no Content-MD5 (Object Lock requires one, and it is Ferry's integrity check in transit)`);
    if (header(headers, 'x-amz-object-lock-mode') !== undefined) refusal = { status: 400, code: 'InvalidRequest', message: 'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters' };
  } else if (md5 !== createHash('md5').update(body).digest('base64')) {
    violations.push(`${key}: Content-MD5 does not match the body`);
    refusal = { status: 400, code: 'BadDigest', message: 'The Content-MD5 you specified did not match what we received.' };
  }
  checkObjectLock(headers, key, violations);
  const records = checkArchiveObject(key, headers, body, violations);
  return { violations, records, ...(refusal ? { refusal } : {}) };
}
