import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createS3Client } from '@ferry/exporter-s3/client';

/** One object of an archive, opened only when read. */
export interface ArchiveEntry {
  readonly key: string;
  open(): Promise<Readable>;
}

export interface S3SourceOptions {
  readonly region?: string;
  readonly endpoint?: string;
  readonly forcePathStyle?: boolean;
}

async function* walk(root: string, directory: string): AsyncGenerator<string> {
  const entries = (await readdir(directory, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(directory, entry.name);
    if (entry.isDirectory()) yield* walk(root, path);
    else yield relative(root, path).split(sep).join('/');
  }
}

/** The files of a local archive, in key order (sorted whole keys, as S3 lists them). */
async function* directoryEntries(root: string): AsyncGenerator<ArchiveEntry> {
  // Directory-by-directory order equals key order for the layouts Ferry writes; sorting the
  // keys of one directory at a time keeps memory flat for a year of archive.
  for await (const key of walk(root, root)) yield { key, open: async () => createReadStream(join(root, key)) };
}

/** The objects under an S3 prefix, in key order, a page of 1000 at a time. */
async function* s3Entries(bucket: string, prefix: string, options: S3SourceOptions): AsyncGenerator<ArchiveEntry> {
  const client = createS3Client({ region: options.region ?? process.env.AWS_REGION ?? 'us-east-1', endpoint: options.endpoint, forcePathStyle: options.forcePathStyle ?? false });
  try {
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      for (const item of page.Contents ?? []) {
        const key = item.Key as string;
        yield {
          key,
          open: async () => (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body as Readable,
        };
      }
      token = page.NextContinuationToken;
    } while (token);
  } finally {
    client.destroy();
  }
}

/** A directory path or `s3://bucket/prefix`. */
export function archiveEntries(source: string, options: S3SourceOptions = {}): AsyncGenerator<ArchiveEntry> {
  const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(source);
  return s3 ? s3Entries(s3[1] as string, s3[2] ?? '', options) : directoryEntries(source);
}
