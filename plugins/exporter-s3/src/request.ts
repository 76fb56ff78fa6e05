import { createHash } from 'node:crypto';
import type { PutObjectCommandInput } from '@aws-sdk/client-s3';
import { archiveKey, ENVELOPE_VERSION, NDJSON_CONTENT_TYPE, OBJECT_METADATA } from '@ferry/archive';
import type { Batch } from '@ferry/sdk';
import type { S3Config } from './config.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Where the start check writes its marker: under the prefix, in a directory Athena and `ferry verify` skip. */
export function markerKey(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  return `${trimmed ? `${trimmed}/` : ''}_ferry/write-check.json`;
}

/** The object key a batch is written under: from the batch alone, so a retry rewrites it. */
export function objectKey(config: S3Config, batch: Batch): string {
  return archiveKey({ prefix: config.prefix, layout: config.layout, compression: config.compression, receivedAt: batch.receivedAt, firstSeq: batch.firstSeq, batchId: batch.id });
}

// S3 checks the MD5 before it stores anything and Object Lock requires it; with the SDK's
// checksums set to WHEN_REQUIRED nothing else would protect the body in transit.
const md5 = (body: Buffer) => createHash('md5').update(body).digest('base64');

/** Encryption, storage class and Object Lock: what every object of this exporter carries. */
function storageOptions(config: S3Config, retainDays: number | undefined, now: number): Partial<PutObjectCommandInput> {
  return {
    ...(config.storageClass ? { StorageClass: config.storageClass } : {}),
    ...(config.serverSideEncryption ? { ServerSideEncryption: config.serverSideEncryption } : {}),
    ...(config.serverSideEncryption === 'aws:kms' && config.kmsKeyId ? { SSEKMSKeyId: config.kmsKeyId } : {}),
    ...(config.objectLock && retainDays !== undefined ? { ObjectLockMode: config.objectLock.mode, ObjectLockRetainUntilDate: new Date(now + retainDays * DAY_MS) } : {}),
  };
}

/** The PutObject of one batch's archive object. */
export function batchObject(config: S3Config, batch: Batch, body: Buffer, now: number): PutObjectCommandInput {
  return {
    Bucket: config.bucket,
    Key: objectKey(config, batch),
    Body: body,
    ContentLength: body.length,
    ContentMD5: md5(body),
    ContentType: NDJSON_CONTENT_TYPE,
    ...(config.compression === 'gzip' ? { ContentEncoding: 'gzip' } : {}),
    Metadata: {
      [OBJECT_METADATA.envelopeVersion]: String(ENVELOPE_VERSION),
      [OBJECT_METADATA.events]: String(batch.count),
      [OBJECT_METADATA.firstSeq]: String(batch.firstSeq),
      [OBJECT_METADATA.batchId]: batch.id,
    },
    ...storageOptions(config, config.objectLock?.retentionDays, now),
  };
}

/**
 * The start check's marker: written with the same encryption, class and lock mode as the
 * archive (so a missing KMS or retention permission shows at start too), locked for one day
 * only, and only if it is not there yet (`If-None-Match: *`), so restarts add no versions to
 * a versioned or locked bucket.
 */
export function markerObject(config: S3Config, now: number, conditional: boolean): PutObjectCommandInput {
  const body = Buffer.from(`${JSON.stringify({ writer: 'ferry', purpose: 'start-time check that the s3 exporter can write to this bucket', firstCheckedAt: new Date(now).toISOString() })}\n`);
  return {
    Bucket: config.bucket,
    Key: markerKey(config.prefix),
    Body: body,
    ContentLength: body.length,
    ContentMD5: md5(body),
    ContentType: 'application/json',
    ...(conditional ? { IfNoneMatch: '*' } : {}),
    ...storageOptions(config, 1, now),
  };
}
