import { Secret, StringEnum, Type, type Static } from '@ferry/sdk';
import { TABLE_NAME_PATTERN } from '@ferry/outbox/schema';

export const configSchema = Type.Object(
  {
    connectionString: Secret({ minLength: 1, description: 'The database, as a PostgreSQL connection URI (`postgres://ferry@db.internal:5432/app`; `${env:…}` for the password).' }),
    table: Type.String({
      pattern: TABLE_NAME_PATTERN,
      default: 'ferry_outbox',
      description: 'The outbox table, `name` or `schema.name`, as `migrate()` of `@ferry/outbox` created it.',
    }),
    afterDelivery: StringEnum(['delete', 'mark'], {
      default: 'delete',
      description: 'What becomes of a row once the pipeline has durably accepted its event: `delete` it, or `mark` it (`delivered_at` set; removing marked rows is then up to you).',
    }),
    batchSize: Type.Integer({ minimum: 1, maximum: 10_000, default: 500, description: 'Most rows read, handed to the pipeline and removed in one transaction.' }),
    listen: Type.Boolean({ default: true, description: 'LISTEN for the notification the outbox trigger sends at each commit, so new events are read at once; polling continues as the fallback.' }),
    pollIntervalMs: Type.Integer({ minimum: 10, default: 1000, description: 'How often the outbox is read when nothing has been notified (ms): the latency without LISTEN, and the bound on a missed notification.' }),
    connectTimeoutMs: Type.Integer({ minimum: 100, default: 10_000, description: 'How long to wait for a connection to PostgreSQL (ms).' }),
  },
  { additionalProperties: false },
);

export type PostgresReceiverConfig = Static<typeof configSchema>;
