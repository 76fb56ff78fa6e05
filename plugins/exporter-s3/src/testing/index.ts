/**
 * A real S3-compatible server for tests and benchmarks: s3rver (pure JavaScript, speaks
 * the S3 REST protocol, checks signatures and Content-MD5), optionally behind a proxy that
 * injects the failures S3 produces (500, 503 SlowDown, connection resets, slow answers).
 *
 *   const peer = await startS3Peer({ buckets: ['archive'] });
 *   process.env.AWS_ACCESS_KEY_ID = peer.accessKeyId; …
 *   exporter config: { bucket: 'archive', endpoint: peer.endpoint, forcePathStyle: true }
 *   peer.faults.push({ status: 503, code: 'SlowDown' }); await peer.objects('archive');
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../client.js';

export type S3Fault = { readonly status: number; readonly code: string } | { readonly reset: true } | { readonly delayMs: number };

export interface S3Object {
  readonly key: string;
  readonly body: Buffer;
  readonly contentType: string | undefined;
  readonly contentEncoding: string | undefined;
  readonly metadata: Record<string, string>;
}

export interface S3Peer {
  /** The endpoint to configure (the fault proxy in front of s3rver). */
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Failures for the next requests, in order. */
  readonly faults: S3Fault[];
  /** Requests that went through to s3rver, by method. */
  readonly requests: { puts: number; total: number };
  readonly client: S3Client;
  objects(bucket: string, prefix?: string): Promise<S3Object[]>;
  close(): Promise<void>;
}

export async function startS3Peer(options: { buckets: readonly string[] }): Promise<S3Peer> {
  const directory = await mkdtemp(join(tmpdir(), 'ferry-s3rver-'));
  const s3rver = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory });
  const { port: backendPort } = (await s3rver.run()) as AddressInfo;
  const faults: S3Fault[] = [];
  const requests = { puts: 0, total: 0 };

  const proxy: Server = createServer((req, res) => {
    requests.total++;
    const fault = faults.shift();
    if (fault && 'reset' in fault) {
      req.socket.destroy();
      return;
    }
    if (fault && 'status' in fault) {
      req.resume();
      res.writeHead(fault.status, { 'content-type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${fault.code}</Code><Message>injected</Message></Error>`);
      return;
    }
    const forward = () => {
      if (req.method === 'PUT') requests.puts++;
      const upstream = httpRequest({ host: '127.0.0.1', port: backendPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    };
    if (fault && 'delayMs' in fault) setTimeout(forward, fault.delayMs);
    else forward();
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  process.env.AWS_ACCESS_KEY_ID ??= credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= credentials.secretAccessKey;
  const client = createS3Client({ region: 'us-east-1', endpoint: `http://127.0.0.1:${backendPort}`, forcePathStyle: true });
  for (const bucket of options.buckets) await client.send(new CreateBucketCommand({ Bucket: bucket }));

  return {
    endpoint,
    ...credentials,
    faults,
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
      client.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      proxy.closeAllConnections();
      await s3rver.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
