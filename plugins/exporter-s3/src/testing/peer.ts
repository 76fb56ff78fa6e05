/**
 * A checking S3 peer for tests, benchmarks and the end-to-end suite: a real S3-compatible
 * server (s3rver: pure JavaScript, speaks the S3 REST protocol with path-style addressing,
 * verifies SigV4 signatures) behind a proxy on 127.0.0.1 that checks every PutObject and can
 * inject the failures S3 produces.
 *
 *   const peer = await startS3Peer({ buckets: ['archive'] });
 *   exporter config: { bucket: 'archive', endpoint: peer.endpoint, forcePathStyle: true }
 *   credentials: AWS_ACCESS_KEY_ID=peer.accessKeyId, AWS_SECRET_ACCESS_KEY=peer.secretAccessKey
 *     (set in process.env by startS3Peer when unset; pass them to a child process yourself)
 *
 *   peer.inject({ status: 503, code: 'SlowDown', retryAfterSeconds: 2 }, 3)  the next 3 requests
 *   peer.inject({ reset: true })                 the next request's connection is destroyed
 *   peer.inject({ delayMs: 500 })                the next request is held before it is forwarded
 *   peer.faults                                  the plan itself (a queue, oldest first)
 *
 *   peer.received     every PutObject s3rver accepted, in order: bucket, key, headers, raw
 *                     body and, for archive keys, the decoded records (a retried batch shows
 *                     twice here and once in objects())
 *   peer.violations   protocol and archive-contract problems seen (a correct exporter: none):
 *                     missing or wrong Content-MD5, aws-chunked uploads, half-set Object Lock
 *                     headers, wrong Content-Type/Encoding, lines that are not one JSON event,
 *                     metadata that disagrees with the key or the body
 *   peer.requests     { total, puts } requests seen / PutObjects forwarded to s3rver
 *   peer.objects(bucket, prefix?)  what the store holds, read back with the AWS SDK
 *   peer.client       an S3 client on s3rver itself (no faults, no checks)
 *   peer.close()
 *
 * Like real S3 (and unlike s3rver) the proxy refuses a PutObject whose Content-MD5 does not
 * match its body (400 BadDigest), one with Object Lock headers and no Content-MD5 (400
 * InvalidRequest), and answers `If-None-Match: *` on an existing key with 412
 * PreconditionFailed. s3rver looks SigV4 key ids up but never checks the signature, so the
 * proxy verifies it (sigv4.ts): a wrong secret is refused with 403 SignatureDoesNotMatch, a
 * body that does not match its signed hash with 400 XAmzContentSHA256Mismatch; an unknown
 * key id goes on to s3rver, which answers 403 InvalidAccessKeyId.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../client.js';
import { checkPut, type Headers } from './checks.js';
import { verifySigV4 } from './sigv4.js';

export type S3Fault =
  | { readonly status: number; readonly code: string; readonly message?: string; readonly retryAfterSeconds?: number }
  | { readonly reset: true }
  | { readonly delayMs: number };

export interface S3Object {
  readonly key: string;
  readonly body: Buffer;
  readonly contentType: string | undefined;
  readonly contentEncoding: string | undefined;
  readonly metadata: Record<string, string>;
}

export interface ReceivedPut {
  readonly bucket: string;
  readonly key: string;
  readonly headers: Headers;
  readonly body: Buffer;
  /** The decoded archive records (empty for objects outside the archive layout). */
  readonly records: Record<string, unknown>[];
}

export interface S3Peer {
  /** The endpoint to configure (the checking, fault-injecting proxy in front of s3rver). */
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Failures for the next requests, in order. */
  readonly faults: S3Fault[];
  /** Fails the next `times` requests with `fault`. */
  inject(fault: S3Fault, times?: number): void;
  readonly received: ReceivedPut[];
  readonly violations: string[];
  readonly requests: { total: number; puts: number };
  readonly client: S3Client;
  objects(bucket: string, prefix?: string): Promise<S3Object[]>;
  close(): Promise<void>;
}

const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

const xmlText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function errorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${xmlText(code)}</Code><Message>${xmlText(message)}</Message><RequestId>ferry-test-peer</RequestId></Error>`;
}

function answerError(res: ServerResponse, status: number, code: string, message: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/xml', ...extra }).end(errorXml(code, message));
}

/** `/bucket/some/key?x-id=PutObject` → bucket and decoded key (path-style addressing). */
function objectOf(url: string): { bucket: string; key: string } | undefined {
  const path = url.split('?')[0] ?? '';
  const match = /^\/([^/]+)\/(.+)$/.exec(path);
  return match ? { bucket: decodeURIComponent(match[1] as string), key: decodeURIComponent(match[2] as string) } : undefined;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startS3Peer(options: { buckets: readonly string[] }): Promise<S3Peer> {
  const directory = await mkdtemp(join(tmpdir(), 'ferry-s3rver-'));
  const s3rver = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory });
  const { port: backendPort } = (await s3rver.run()) as AddressInfo;
  process.env.AWS_ACCESS_KEY_ID ??= CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= CREDENTIALS.secretAccessKey;
  const client = createS3Client({ region: 'us-east-1', endpoint: `http://127.0.0.1:${backendPort}`, forcePathStyle: true, credentials: CREDENTIALS });
  const faults: S3Fault[] = [];
  const received: ReceivedPut[] = [];
  const violations: string[] = [];
  const requests = { total: 0, puts: 0 };
  const held = new Set<NodeJS.Timeout>();

  const exists = (bucket: string, key: string) =>
    client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
      () => true,
      () => false,
    );

  function forward(req: IncomingMessage, res: ServerResponse, body: Buffer, onAccepted?: () => void): void {
    const upstream = httpRequest({ host: '127.0.0.1', port: backendPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      const status = answer.statusCode ?? 502;
      if (status >= 200 && status < 300) onAccepted?.();
      res.writeHead(status, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    upstream.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const signedByPeer = (req.headers.authorization ?? '').includes(`Credential=${CREDENTIALS.accessKeyId}/`);
    if (signedByPeer) {
      const verdict = verifySigV4(req.method ?? 'GET', req.url ?? '/', req.headers, body, CREDENTIALS.secretAccessKey);
      if (!verdict.ok) {
        answerError(res, verdict.code === 'SignatureDoesNotMatch' ? 403 : 400, verdict.code, verdict.message);
        return;
      }
    }
    const target = req.method === 'PUT' ? objectOf(req.url ?? '/') : undefined;
    if (target === undefined || req.headers['x-amz-copy-source'] !== undefined) {
      if (req.method === 'PUT') requests.puts++;
      forward(req, res, body);
      return;
    }
    const check = checkPut(target.key, req.headers, body);
    violations.push(...check.violations);
    if (check.refusal) {
      answerError(res, check.refusal.status, check.refusal.code, check.refusal.message);
      return;
    }
    if (req.headers['if-none-match'] === '*' && signedByPeer && (await exists(target.bucket, target.key))) {
      answerError(res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
      return;
    }
    requests.puts++;
    forward(req, res, body, () => received.push({ ...target, headers: { ...req.headers }, body, records: check.records }));
  }

  const proxy: Server = createServer((req, res) => {
    requests.total++;
    const fault = faults.shift();
    if (fault && 'reset' in fault) {
      req.socket.destroy();
      return;
    }
    if (fault && 'status' in fault) {
      req.resume();
      answerError(res, fault.status, fault.code, fault.message ?? 'injected by the test peer', fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) });
      return;
    }
    const run = () => handle(req, res).catch(() => res.destroy());
    if (fault && 'delayMs' in fault) {
      const timer = setTimeout(() => {
        held.delete(timer);
        void run();
      }, fault.delayMs);
      held.add(timer);
    } else void run();
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  for (const bucket of options.buckets) await client.send(new CreateBucketCommand({ Bucket: bucket }));

  return {
    endpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    ...CREDENTIALS,
    faults,
    inject(fault, times = 1) {
      for (let i = 0; i < times; i++) faults.push(fault);
    },
    received,
    violations,
    requests,
    client,
    async objects(bucket, prefix = '') {
      const out: S3Object[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const item of page.Contents ?? []) {
          const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: item.Key }));
          out.push({
            key: item.Key as string,
            body: Buffer.from(await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()),
            contentType: object.ContentType,
            contentEncoding: object.ContentEncoding,
            metadata: object.Metadata ?? {},
          });
        }
        token = page.NextContinuationToken;
      } while (token);
      return out.sort((a, b) => a.key.localeCompare(b.key));
    },
    async close() {
      for (const timer of held) clearTimeout(timer);
      client.destroy();
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await s3rver.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
