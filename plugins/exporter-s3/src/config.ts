import { StringEnum, Type, type ConfigProblem, type Static } from '@ferry/sdk';

export const STORAGE_CLASSES = ['STANDARD', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'GLACIER', 'DEEP_ARCHIVE', 'REDUCED_REDUNDANCY'] as const;

export const configSchema = Type.Object(
  {
    bucket: Type.String({ minLength: 3, maxLength: 63, description: 'S3 bucket name.' }),
    prefix: Type.String({ default: 'grantex-events', description: 'Key prefix for uploaded objects.' }),
    region: Type.String({ minLength: 1, default: 'us-east-1', description: 'AWS region.' }),
    endpoint: Type.Optional(Type.String({ format: 'uri', description: 'An S3-compatible endpoint (MinIO, Cloudflare R2, Backblaze B2), such as `https://${env:R2_ACCOUNT_ID}.r2.cloudflarestorage.com` for R2.' })),
    forcePathStyle: Type.Boolean({ default: false, description: 'Address buckets as `<endpoint>/<bucket>` instead of `<bucket>.<endpoint>` (MinIO and most self-hosted stores need it).' }),
    compression: StringEnum(['none', 'gzip'] as const, { default: 'none', description: '`gzip`: objects are `.ndjson.gz` with `Content-Encoding: gzip` (about 10× smaller).' }),
    layout: StringEnum(['daily', 'hive', 'flat'] as const, {
      default: 'daily',
      description: 'Key layout: `daily` `<prefix>/YYYY-MM-DD/…`, `hive` `<prefix>/dt=YYYY-MM-DD/…` (partition projection), `flat` `<prefix>/YYYY-MM-DDTHH-MM-SS-mmmZ-…` (the keys `@grantex/destinations` writes).',
    }),
    storageClass: Type.Optional(StringEnum(STORAGE_CLASSES, { description: 'Storage class of new objects (a lifecycle policy can move them later).' })),
    serverSideEncryption: Type.Optional(StringEnum(['AES256', 'aws:kms'] as const, { description: 'Server-side encryption: `AES256` (SSE-S3) or `aws:kms` (SSE-KMS).' })),
    kmsKeyId: Type.Optional(Type.String({ minLength: 1, description: 'The KMS key for `aws:kms` (its id, ARN or alias); unset: the bucket\'s default key, else `aws/s3`. Only with `serverSideEncryption: "aws:kms"`.' })),
    objectLock: Type.Optional(
      Type.Object(
        {
          mode: StringEnum(['GOVERNANCE', 'COMPLIANCE'] as const, { description: 'Object Lock retention mode (the bucket must have Object Lock enabled).' }),
          retentionDays: Type.Integer({ minimum: 1, description: 'Each object is locked for this many days after it is written (ObjectLockRetainUntilDate).' }),
        },
        { additionalProperties: false, description: 'WORM retention set on every object (ObjectLockMode and ObjectLockRetainUntilDate; needs s3:PutObjectRetention). Unset: the bucket\'s default retention, if any, applies.' },
      ),
    ),
    connectTimeoutMs: Type.Integer({ minimum: 100, default: 10_000, description: 'Longest wait for a connection to S3 (ms); a timeout is retried by the host.' }),
    requestTimeoutMs: Type.Integer({
      minimum: 100,
      default: 30_000,
      description: 'Longest time one PutObject may take until S3 answers, upload included (ms); a timeout is retried by the host. The host also bounds a whole attempt with `timeoutMs`.',
    }),
  },
  { additionalProperties: false },
);

export type S3Config = Static<typeof configSchema>;

/** What the schema cannot say: options that only make sense together. */
export function validateS3(config: Readonly<S3Config>): ConfigProblem[] {
  if (config.kmsKeyId !== undefined && config.serverSideEncryption !== 'aws:kms') {
    return [
      {
        path: 'kmsKeyId',
        problem: `set, but serverSideEncryption is ${config.serverSideEncryption ? `"${config.serverSideEncryption}"` : 'unset'}`,
        hint: 'set serverSideEncryption to "aws:kms" to use the key',
      },
    ];
  }
  return [];
}
