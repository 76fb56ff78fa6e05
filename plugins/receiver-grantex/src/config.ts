import { Secret, Type, type Static } from '@ferry/sdk';

export const configSchema = Type.Object(
  {
    url: Type.String({ minLength: 1, description: 'Grantex API base URL (the receiver reads `<url>/v1/events/stream`).' }),
    apiKey: Secret({ minLength: 1, description: 'Grantex API key, sent as `Authorization: Bearer <apiKey>`.' }),
    types: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Only these event types (filtered by Grantex, sent as `types=a,b`). All types when absent.' })),
    reconnect: Type.Object(
      {
        initialDelayMs: Type.Integer({ minimum: 1, default: 1000, description: 'First wait before reconnecting after a drop (ms).' }),
        maxDelayMs: Type.Integer({ minimum: 1, default: 60_000, description: 'Longest wait between attempts (ms); the wait doubles up to it, with full jitter.' }),
      },
      { additionalProperties: false, default: {}, description: 'Reconnecting after a drop, a stall, a 429 or a 5xx.' },
    ),
    idleTimeoutMs: Type.Integer({ minimum: 1, default: 90_000, description: 'A stream silent this long (three missed 30 s keepalives) is stalled: it is closed and re-opened.' }),
    connectTimeoutMs: Type.Integer({ minimum: 1, default: 10_000, description: 'Give up on a connection attempt that has no answer after this long (ms).' }),
    maxEventBytes: Type.Integer({ minimum: 1024, default: 1024 * 1024, description: 'An event larger than this is counted malformed and skipped, never buffered further.' }),
    dedupWindow: Type.Integer({ minimum: 0, default: 10_000, description: 'How many recent event ids are remembered so an id replayed after a reconnect is not handed on twice (0: off).' }),
  },
  { additionalProperties: false },
);

export type GrantexConfig = Static<typeof configSchema>;
