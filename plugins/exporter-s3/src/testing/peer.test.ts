import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createS3Client } from '../client.js';
import { startS3Peer, type S3Peer } from './index.js';

// The peer is what proves the exporter right, so its own checks are shown to catch what
// they claim to catch: each case sends what a broken exporter would.
let peer: S3Peer;
beforeAll(async () => {
  peer = await startS3Peer({ buckets: ['peer-checks'] });
});
afterAll(() => peer.close());
afterEach(() => {
  peer.violations.length = 0;
});

const ours = () => createS3Client({ region: 'us-east-1', endpoint: peer.endpoint, forcePathStyle: true });
const ARCHIVE_KEY = 'p/2026-03-01/12-00-01.234Z-000000000000000042-0123456789ab.ndjson';
const md5 = (body: string | Buffer) => createHash('md5').update(body).digest('base64');
const failureOf = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e as Error & { $metadata?: { httpStatusCode?: number } });

describe('the S3 test peer', () => {
  it('flags the SDK\'s default checksums (a CRC32 header on buffers, aws-chunked trailers on streams) and the missing Content-MD5', async () => {
    const sdkDefaults = new S3Client({ region: 'us-east-1', endpoint: peer.endpoint, forcePathStyle: true, maxAttempts: 1, requestHandler: new NodeHttpHandler() });
    try {
      await sdkDefaults.send(new PutObjectCommand({ Bucket: 'peer-checks', Key: 'buffer.bin', Body: Buffer.from('x'.repeat(100)) }));
      await failureOf(sdkDefaults.send(new PutObjectCommand({ Bucket: 'peer-checks', Key: 'stream.bin', Body: Readable.from([Buffer.from('x'.repeat(100))]), ContentLength: 100 })));
    } finally {
      sdkDefaults.destroy();
    }
    expect(peer.violations).toContain('buffer.bin: x-amz-sdk-checksum-algorithm, x-amz-checksum-crc32 sent; R2 answers 501 and B2 400 to them (Ferry sends Content-MD5 only)');
    expect(peer.violations).toContain("buffer.bin: no Content-MD5 (Object Lock requires one, and it is Ferry's integrity check in transit)");
    expect(peer.violations.some((v) => v.startsWith('stream.bin: chunked upload with trailing checksum'))).toBe(true);
  });

  it('sees none of that from Ferry\'s client, whose checksums are WHEN_REQUIRED', async () => {
    const client = ours();
    await client.send(new PutObjectCommand({ Bucket: 'peer-checks', Key: 'ours.bin', Body: Buffer.from('ours'), ContentMD5: md5('ours') }));
    await client.send(new PutObjectCommand({ Bucket: 'peer-checks', Key: 'ours-stream.bin', Body: Readable.from([Buffer.from('ours')]), ContentLength: 4, ContentMD5: md5('ours') }));
    client.destroy();
    expect(peer.violations).toEqual([]);
    expect((await peer.objects('peer-checks', 'ours')).map((o) => o.body.toString())).toEqual(['ours', 'ours']);
  });

  it('refuses a body that does not match its Content-MD5 with BadDigest, as S3 does', async () => {
    const client = ours();
    const error = await failureOf(client.send(new PutObjectCommand({ Bucket: 'peer-checks', Key: 'digest.bin', Body: 'abc', ContentMD5: md5('abd') })));
    client.destroy();
    expect([error?.name, error?.$metadata?.httpStatusCode]).toEqual(['BadDigest', 400]);
    expect(await peer.objects('peer-checks', 'digest')).toEqual([]);
  });

  it('refuses Object Lock headers without a Content-MD5, as S3 does', async () => {
    const client = ours();
    const error = await failureOf(client.send(new PutObjectCommand({ Bucket: 'peer-checks', Key: 'lock.bin', Body: 'abc', ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: new Date(Date.now() + 86_400_000) })));
    client.destroy();
    expect([error?.name, error?.$metadata?.httpStatusCode]).toEqual(['InvalidRequest', 400]);
  });

  it('checks archive objects: type, encoding, one JSON event per line, metadata that agrees with key and body', async () => {
    const client = ours();
    const body = '{"id":"evt_1"}\nnot json\n';
    await client.send(new PutObjectCommand({ Bucket: 'peer-checks', Key: ARCHIVE_KEY, Body: body, ContentMD5: md5(body), ContentType: 'application/json', ContentEncoding: 'gzip', Metadata: { 'ferry-events': '5', 'ferry-first-seq': '41', 'ferry-batch-id': 'ffff' } }));
    client.destroy();
    expect(peer.violations).toEqual([
      `${ARCHIVE_KEY}: Content-Type application/json, expected application/x-ndjson`,
      `${ARCHIVE_KEY}: Content-Encoding gzip does not match the key`,
      `${ARCHIVE_KEY}: line 2 is not one complete JSON event`,
      `${ARCHIVE_KEY}: ferry-events is 5 for 1 lines`,
      `${ARCHIVE_KEY}: ferry-first-seq is 41, the key says 42`,
      `${ARCHIVE_KEY}: ferry-batch-id ffff does not start with the key's 0123456789ab`,
      `${ARCHIVE_KEY}: no ferry-envelope-version`,
    ]);
    expect(peer.received.at(-1)?.records).toEqual([{ id: 'evt_1' }]);
  });

  it('verifies SigV4 signatures, which s3rver does not', async () => {
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${peer.endpoint}/peer-checks/forged.bin`, {
        method: 'PUT',
        headers: {
          authorization: `AWS4-HMAC-SHA256 Credential=${peer.accessKeyId}/20260301/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=${'0'.repeat(64)}`,
          'x-amz-date': '20260301T120000Z',
          'x-amz-content-sha256': createHash('sha256').update('abc').digest('hex'),
          'content-md5': md5('abc'),
        },
      }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end('abc');
    });
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect(await peer.objects('peer-checks', 'forged')).toEqual([]);
  });

  it('fails exactly the next N requests with an injected fault', async () => {
    peer.inject({ status: 503, code: 'SlowDown' }, 2);
    const client = ours();
    const put = () => failureOf(client.send(new PutObjectCommand({ Bucket: 'peer-checks', Key: 'n.bin', Body: 'n', ContentMD5: md5('n') })));
    expect((await put())?.name).toBe('SlowDown');
    expect((await put())?.name).toBe('SlowDown');
    expect(await put()).toBeUndefined();
    client.destroy();
  });
});
