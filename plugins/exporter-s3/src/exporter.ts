import type { PutObjectCommandInput, S3Client } from '@aws-sdk/client-s3';
import { encodeObject } from '@ferry/archive';
import type { Batch, ExportContext, Exporter, ExporterContext } from '@ferry/sdk';
import type { S3Config } from './config.js';
import { classify, startProblem, type RequestTarget } from './errors.js';
import { batchObject, markerObject, objectKey } from './request.js';

/** The SDK's client and how to put an object with it, loaded when the exporter starts. */
interface Connection {
  readonly client: S3Client;
  put(input: PutObjectCommandInput, signal?: AbortSignal): Promise<unknown>;
}

const statusOf = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;

/**
 * One NDJSON object per batch, under a key derived from the batch (so a retried batch
 * overwrites its own object), with a Content-MD5 S3 verifies and Object Lock requires.
 */
export class S3Exporter implements Exporter {
  readonly #config: S3Config;
  /** Made at start: the AWS SDK (about a third of a second of loading) is imported only by an exporter that runs, not by `ferry validate`. */
  #client: Promise<Connection> | undefined;
  readonly #target: RequestTarget;

  constructor(ctx: ExporterContext<S3Config>) {
    this.#config = ctx.config;
    this.#target = { bucket: ctx.config.bucket, region: ctx.config.region, action: 's3:PutObject' };
  }

  #connect(): Promise<Connection> {
    this.#client ??= Promise.all([import('./client.js'), import('@aws-sdk/client-s3')]).then(([{ createS3Client }, { PutObjectCommand }]) => {
      const client = createS3Client(this.#config);
      return { client, put: (input, signal) => client.send(new PutObjectCommand(input), signal ? { abortSignal: signal } : {}) };
    });
    return this.#client;
  }

  /**
   * Writes the marker object, which fails the way an export would (missing bucket, refused
   * s3:PutObject, KMS or retention permission, bad credentials). A marker already there
   * answers 412: the request passed authorization, nothing new is written.
   */
  async start(): Promise<void> {
    try {
      await this.#put(markerObject(this.#config, Date.now(), true));
    } catch (error) {
      const status = statusOf(error);
      if (status === 412 || status === 409) return; // there already (409: another writer is creating it right now)
      if (status !== 400 && status !== 501) throw startProblem(error, this.#target);
      // A store that does not implement conditional writes: write the marker unconditionally.
      try {
        await this.#put(markerObject(this.#config, Date.now(), false));
      } catch (fallbackError) {
        throw startProblem(fallbackError, this.#target);
      }
    }
  }

  async shutdown(): Promise<void> {
    (await this.#client)?.client.destroy();
  }

  /** The object key a batch is written under. */
  keyFor(batch: Batch): string {
    return objectKey(this.#config, batch);
  }

  async export(batch: Batch, { signal }: ExportContext): Promise<void> {
    if (batch.count === 0) return;
    const body = await encodeObject(batch, this.#config.compression);
    try {
      await this.#put(batchObject(this.#config, batch, body, Date.now()), signal);
    } catch (error) {
      throw classify(error, this.#target);
    }
  }

  async #put(input: PutObjectCommandInput, signal?: AbortSignal): Promise<void> {
    await (await this.#connect()).put(input, signal);
  }
}
