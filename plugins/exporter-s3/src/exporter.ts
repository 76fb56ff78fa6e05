import { createHash } from 'node:crypto';
import { PutObjectCommand, type PutObjectCommandInput, type S3Client } from '@aws-sdk/client-s3';
import { archiveKey, encodeObject, ENVELOPE_VERSION, NDJSON_CONTENT_TYPE, OBJECT_METADATA } from '@ferry/archive';
import type { Batch, ExportContext, Exporter, ExporterContext } from '@ferry/sdk';
import type { S3Config } from './config.js';
import { createS3Client } from './client.js';
import { classify, startProblem } from './errors.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The options every PutObject of this exporter carries (encryption, class, lock). */
function objectOptions(config: S3Config, now: number): Partial<PutObjectCommandInput> {
  return {
    ...(config.storageClass ? { StorageClass: config.storageClass } : {}),
    ...(config.serverSideEncryption ? { ServerSideEncryption: config.serverSideEncryption } : {}),
    ...(config.serverSideEncryption === 'aws:kms' && config.kmsKeyId ? { SSEKMSKeyId: config.kmsKeyId } : {}),
    ...(config.objectLock ? { ObjectLockMode: config.objectLock.mode, ObjectLockRetainUntilDate: new Date(now + config.objectLock.retentionDays * DAY_MS) } : {}),
  };
}

function md5(body: Buffer): string {
  return createHash('md5').update(body).digest('base64');
}

/**
 * One NDJSON object per batch, under a key derived from the batch (so a retried batch
 * overwrites its own object), with a Content-MD5 S3 verifies and Object Lock requires.
 */
export class S3Exporter implements Exporter {
  readonly #ctx: ExporterContext<S3Config>;
  readonly #client: S3Client;

  constructor(ctx: ExporterContext<S3Config>) {
    this.#ctx = ctx;
    this.#client = createS3Client(ctx.config);
  }

  /** Writes a small marker object, which fails the way a real write would (missing bucket, missing s3:PutObject). */
  async start(): Promise<void> {
    const { bucket, prefix } = this.#ctx.config;
    const body = Buffer.from(JSON.stringify({ writer: 'ferry', checkedAt: new Date().toISOString() }));
    const key = `${prefix.replace(/\/+$/, '')}/_ferry/write-check.json`.replace(/^\//, '');
    try {
      await this.#client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json', ContentMD5: md5(body), ...objectOptions(this.#ctx.config, Date.now()), ...(this.#ctx.config.objectLock ? { ObjectLockRetainUntilDate: new Date(Date.now() + DAY_MS) } : {}) }));
    } catch (error) {
      throw startProblem(error, bucket);
    }
  }

  async shutdown(): Promise<void> {
    this.#client.destroy();
  }

  /** The object key a batch is written under. */
  keyFor(batch: Batch): string {
    const { prefix, layout, compression } = this.#ctx.config;
    return archiveKey({ prefix, layout, compression, receivedAt: batch.receivedAt, firstSeq: batch.firstSeq, batchId: batch.id });
  }

  async export(batch: Batch, { signal }: ExportContext): Promise<void> {
    const { bucket, compression } = this.#ctx.config;
    const body = await encodeObject(batch, compression);
    const key = this.keyFor(batch);
    try {
      await this.#client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentLength: body.length,
          ContentMD5: md5(body),
          ContentType: NDJSON_CONTENT_TYPE,
          ...(compression === 'gzip' ? { ContentEncoding: 'gzip' } : {}),
          Metadata: {
            [OBJECT_METADATA.envelopeVersion]: String(ENVELOPE_VERSION),
            [OBJECT_METADATA.events]: String(batch.count),
            [OBJECT_METADATA.firstSeq]: String(batch.firstSeq),
            [OBJECT_METADATA.batchId]: batch.id,
          },
          ...objectOptions(this.#ctx.config, Date.now()),
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      throw classify(error, bucket, 's3:PutObject');
    }
  }
}
