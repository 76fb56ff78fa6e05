import { StringEnum, Type, type Static } from '@ferry/sdk';
import { connectionProperties, DEFAULT_STREAM, NATS_NAME_PATTERN } from '@ferry/nats/options';

export const streamSettingsSchema = Type.Object(
  {
    subjects: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'The stream\'s subjects. Default: what `subject` can publish on (`ferry.events.<type>` → `ferry.events.>`).' }),
    ),
    storage: StringEnum(['file', 'memory'] as const, { default: 'file', description: '`file` (survives a server restart) or `memory`. Cannot be changed on an existing stream.' }),
    replicas: Type.Integer({ minimum: 1, maximum: 5, default: 1, description: 'Copies of each message across the NATS cluster: 3 in production (a PubAck then means a majority has it), 1 on a single server.' }),
    duplicateWindowMs: Type.Integer({
      minimum: 1000,
      default: 120_000,
      description: 'How long JetStream remembers a `Nats-Msg-Id` to absorb a re-sent event (ms). Make it longer than an edge instance can take to restart and resend.',
    }),
    maxAgeMs: Type.Integer({ minimum: 0, default: 0, description: 'Drop messages older than this (ms); 0 keeps them until the limits below. With a work-queue of consumers, set it longer than the core tier can be down.' }),
    maxBytes: Type.Integer({ minimum: -1, default: -1, description: 'Most bytes the stream keeps; -1: no limit. When full, new publishes are refused (retried by Ferry), never old messages dropped.' }),
    maxMsgSize: Type.Integer({ minimum: -1, default: -1, description: 'Largest message the stream takes (bytes); -1: the server\'s max_payload. A larger event is dead-lettered.' }),
  },
  { additionalProperties: false, description: 'Create the stream at start, or update it to these settings. Unset: the stream must exist (checked at start).' },
);

export const configSchema = Type.Object(
  {
    ...connectionProperties(),
    stream: Type.String({ minLength: 1, pattern: NATS_NAME_PATTERN, default: DEFAULT_STREAM, description: 'The JetStream stream events are published to (each publish expects it, so a subject that lands elsewhere is refused).' }),
    subject: Type.String({
      minLength: 1,
      pattern: '^(?!(.*\\.)?>(\\..*)?$)[^\\s*]+$',
      default: 'ferry.events.<type>',
      description: 'The subject of each event: `<type>` is replaced by its type (`grant.created` → `ferry.events.grant.created`; whitespace, `*` and `>` in a type become `_`).',
    }),
    createStream: Type.Optional(streamSettingsSchema),
    maxPending: Type.Integer({ minimum: 1, maximum: 10_000, default: 512, description: 'Most publishes awaiting their PubAck at once, per exporter.' }),
    publishTimeoutMs: Type.Integer({ minimum: 100, default: 5000, description: 'How long one publish waits for its PubAck (ms); then it is retried (JetStream drops the duplicate by `Nats-Msg-Id`).' }),
  },
  { additionalProperties: false },
);

export type NatsExporterConfig = Static<typeof configSchema>;
export type StreamSettings = Static<typeof streamSettingsSchema>;
