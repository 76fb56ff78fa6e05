import { Secret, Type, type Static } from '@ferry/sdk';
import { TABLE_NAME_PATTERN } from '@ferry/outbox/schema';

export const configSchema = Type.Object(
  {
    connectionString: Secret({ minLength: 1, description: 'The database, as a PostgreSQL connection URI (`postgres://ferry@db.internal:5432/audit`; `${env:…}` for the password).' }),
    table: Type.String({
      pattern: TABLE_NAME_PATTERN,
      default: 'ferry_audit_events',
      description: 'The audit table, `name` or `schema.name`: partitioned by day of `created_at`, one partition per UTC day.',
    }),
    createTable: Type.Boolean({ default: true, description: 'Create the table (and its bookkeeping tables) at start when missing. Off, start refuses a missing table.' }),
    partitionsAhead: Type.Integer({ minimum: 0, maximum: 90, default: 3, description: 'Days of partitions created ahead of today (at start and at every retention check); a partition a late or early event needs is created when it arrives.' }),
    retentionDays: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Keep this many days: a partition whose whole day is older is dropped (with `requireArchivedBy`, only once the archive has every event in it). Unset: nothing is dropped.' }),
    ),
    requireArchivedBy: Type.Optional(
      Type.String({
        pattern: '^[a-z][a-z0-9_]*(/[^\\s/]+)?$',
        description: 'An exporter of the same pipelines (`s3`, `file/archive`): a partition is dropped only once that exporter has delivered every event in it (dead-lettered is not delivered). Needs `storage`.',
      }),
    ),
    retentionCheckIntervalMs: Type.Integer({ minimum: 1000, default: 3_600_000, description: 'How often partitions are created ahead and old ones checked for dropping (ms).' }),
    maxConnections: Type.Integer({ minimum: 1, maximum: 100, default: 4, description: 'Most connections to PostgreSQL (one per batch being inserted, plus the retention check).' }),
    connectTimeoutMs: Type.Integer({ minimum: 100, default: 10_000, description: 'How long to wait for a connection to PostgreSQL (ms).' }),
  },
  { additionalProperties: false },
);

export type PostgresExporterConfig = Static<typeof configSchema>;
