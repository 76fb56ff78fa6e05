import { StringEnum, Type, type Static } from '@ferry/sdk';
import { connectionProperties, DEFAULT_STREAM, NATS_NAME_PATTERN } from '@ferry/nats/options';

export const consumerSettingsSchema = Type.Object(
  {
    filterSubject: Type.Optional(Type.String({ minLength: 1, description: 'Only messages on these subjects (`ferry.events.grant.>`). Default: the whole stream.' })),
    ackWaitMs: Type.Integer({
      minimum: 1000,
      default: 30_000,
      description: 'How long JetStream waits for an acknowledgement before it redelivers (ms). Ferry reports progress (`working`) on messages it holds, so a slow pipeline does not trigger it.',
    }),
    maxAckPending: Type.Integer({
      minimum: 1,
      default: 10_000,
      description: 'Most messages delivered and not yet acknowledged, over every instance sharing the consumer: the backpressure that keeps a slow core tier from being flooded.',
    }),
    maxDeliver: Type.Integer({ minimum: -1, default: -1, description: 'Deliveries of one message before JetStream gives up on it; -1: never (an audit event must not be dropped by the broker).' }),
    deliverPolicy: StringEnum(['all', 'new'] as const, { default: 'all', description: 'Where a new consumer starts: `all` messages in the stream, or only `new` ones.' }),
  },
  { additionalProperties: false, description: 'Create the durable pull consumer at start (explicit acknowledgement), or update it to these settings. Unset: it must exist.' },
);

export const configSchema = Type.Object(
  {
    ...connectionProperties(),
    stream: Type.String({ minLength: 1, pattern: NATS_NAME_PATTERN, default: DEFAULT_STREAM, description: 'The JetStream stream to read.' }),
    consumer: Type.String({
      minLength: 1,
      pattern: NATS_NAME_PATTERN,
      default: 'ferry',
      description: 'The durable pull consumer. Ferry instances on the same consumer share the messages between them (competing consumers).',
    }),
    createConsumer: Type.Optional(consumerSettingsSchema),
    batchSize: Type.Integer({ minimum: 1, maximum: 10_000, default: 500, description: 'Most messages one fetch asks for, and handed to the pipeline at once.' }),
    fetchExpiresMs: Type.Integer({ minimum: 1000, default: 5000, description: 'How long one fetch waits for messages on a quiet stream (ms).' }),
  },
  { additionalProperties: false },
);

export type NatsReceiverConfig = Static<typeof configSchema>;
export type ConsumerSettings = Static<typeof consumerSettingsSchema>;
