import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';

// The SDK warns at every start that releases after January 2027 need Node 22; Ferry pins a
// major that runs on Node 20 (as the s3 exporter does).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** One object of an archive, opened only when read. */
export interface ArchiveEntry {
  /** The key relative to the archive's root (S3: the whole key, prefix included). */
  readonly key: string;
  open(signal?: AbortSignal): Promise<Readable>;
}

/** How to reach an archive on S3 or an S3-compatible store (the s3 exporter's options). */
export interface S3SourceOptions {
  /** Default: `AWS_REGION`, else `us-east-1`. */
  readonly region?: string;
  /** An S3-compatible endpoint (MinIO, R2, B2). */
  readonly endpoint?: string;
  /** Address the bucket as `<endpoint>/<bucket>` (most S3-compatible stores). */
  readonly forcePathStyle?: boolean;
  /** Fixed credentials; otherwise the AWS SDK's default chain (environment, profile, role). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
}

/** `s3://bucket/prefix` → bucket and prefix; undefined for a directory path. */
export function parseS3Url(source: string): { bucket: string; prefix: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(source);
  return match ? { bucket: match[1] as string, prefix: match[2] ?? '' } : undefined;
}

/**
 * A directory path or `s3://bucket/prefix`: its objects in key order, listed as they are
 * read. An object may be opened ahead and read after the listing has ended, so what the
 * listing holds (an S3 client and its sockets) lives until `close()`, never less.
 */
export interface ArchiveListing extends AsyncIterable<ArchiveEntry> {
  close(): void;
}

export function archiveEntries(source: string, options: S3SourceOptions = {}): ArchiveListing {
  const s3 = parseS3Url(source);
  if (s3 === undefined) return { [Symbol.asyncIterator]: () => directoryEntries(source), close: () => undefined };
  const client = createReadClient(options);
  return { [Symbol.asyncIterator]: () => s3Entries(client, s3.bucket, s3.prefix), close: () => client.destroy() };
}

/**
 * The files under a directory in the order S3 would list the same keys (byte order of
 * the whole key), one directory at a time so memory stays flat for a year of archive:
 * a directory's entries sort as if a directory's name ended in `/`.
 */
async function* directoryEntries(root: string): AsyncGenerator<ArchiveEntry> {
  try {
    await readdir(root);
  } catch (error) {
    throw new SourceError(`cannot read the archive directory ${root}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
  yield* walk(root, '');
}

/** The archive itself cannot be listed (a missing directory or bucket, a refused permission). */
export class SourceError extends Error {
  override readonly name = 'SourceError';
}

async function* walk(root: string, relative: string): AsyncGenerator<ArchiveEntry> {
  const entries = await readdir(join(root, relative), { withFileTypes: true });
  const named = entries
    .filter((entry) => !entry.name.startsWith('.') && (entry.isDirectory() || entry.isFile()))
    .map((entry) => ({ entry, sortKey: Buffer.from(entry.isDirectory() ? `${entry.name}/` : entry.name) }))
    .sort((a, b) => Buffer.compare(a.sortKey, b.sortKey));
  for (const { entry } of named) {
    const key = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) yield* walk(root, key);
    else yield { key, open: async () => createReadStream(join(root, key), { highWaterMark: 1024 * 1024 }) };
  }
}

/** A client for reading: the SDK's own retries on (a long scan should survive a hiccup), checksums only where required. */
export function createReadClient(options: S3SourceOptions): S3Client {
  return new S3Client({
    region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: { ...options.credentials } } : {}),
    forcePathStyle: options.forcePathStyle ?? false,
    maxAttempts: 5,
    // Several S3-compatible stores reject or mangle the SDK's default CRC32 checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** The objects under an S3 prefix, in key order (as ListObjectsV2 returns them), a page of 1000 at a time. */
async function* s3Entries(client: S3Client, bucket: string, prefix: string): AsyncGenerator<ArchiveEntry> {
  let token: string | undefined;
  do {
    let page;
    try {
      page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    } catch (error) {
      const name = (error as Error).name;
      const hint = name === 'AccessDenied' ? ' (verify needs s3:ListBucket and s3:GetObject)' : '';
      throw new SourceError(`cannot list s3://${bucket}/${prefix}: ${name}: ${(error as Error).message}${hint}`, { cause: error });
    }
    for (const item of page.Contents ?? []) {
      const key = item.Key as string;
      yield {
        key,
        open: async (signal) => (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), signal ? { abortSignal: signal } : {})).Body as Readable,
      };
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}
