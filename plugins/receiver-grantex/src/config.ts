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
    keepaliveMs: Type.Integer({
      minimum: 1,
      default: 30_000,
      description:
        'How often Grantex writes `: keepalive` on a quiet stream (ms). Grantex sends its 200 only with the first event or keepalive, so an answer that takes this long is normal; stalls are judged against it.',
    }),
    connectTimeoutMs: Type.Integer({
      minimum: 1,
      default: 10_000,
      description: 'Margin past `keepaliveMs` for a connection attempt: one still unanswered after `keepaliveMs` + this is given up (ms). A refused or unreachable host fails sooner.',
    }),
    idleTimeoutMs: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'A stream silent this long (no event, no keepalive) is stalled: closed and re-opened (ms). Default: three keepalive intervals (`3 × keepaliveMs`, 90 s); never less than `keepaliveMs` + `connectTimeoutMs`.',
      }),
    ),
    maxEventBytes: Type.Integer({ minimum: 1024, default: 1024 * 1024, description: 'An event larger than this is counted malformed and skipped, never buffered further.' }),
    dedupWindow: Type.Integer({ minimum: 0, default: 10_000, description: 'How many recent event ids are remembered so an id replayed after a reconnect is not handed on twice: the first this many events of each new connection are checked against them (0: off).' }),
  },
  { additionalProperties: false },
);

export type GrantexConfig = Static<typeof configSchema>;

export interface StreamTimeouts {
  /** How long a connection attempt may wait for Grantex's answer (its 200 comes with the first event or keepalive). */
  readonly answerMs: number;
  /** How long an open stream may be silent before it is taken for stalled. */
  readonly idleMs: number;
  /** The configured idle timeout, when it was too short to let a quiet stream live and was raised. */
  readonly raisedFromMs?: number;
}

/** Both waits judged against the keepalive interval, so that a quiet stream is never taken for a dead one. */
export function streamTimeouts(config: GrantexConfig): StreamTimeouts {
  const answerMs = config.keepaliveMs + config.connectTimeoutMs;
  const idleMs = config.idleTimeoutMs ?? 3 * config.keepaliveMs;
  return idleMs >= answerMs ? { answerMs, idleMs } : { answerMs, idleMs: answerMs, raisedFromMs: idleMs };
}
