import { Secret, Type, type Static } from '@ferry/sdk';

export const configSchema = Type.Object(
  {
    endpoint: Type.String({
      pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[^\\s:\\[\\]]*):\\d{1,5}$',
      default: '127.0.0.1:4318',
      description: 'Address to listen on, `host:port` (4318 is OTLP/HTTP\'s port; `0.0.0.0:4318` to accept from other machines).',
    }),
    path: Type.String({ pattern: '^/', default: '/v1/logs', description: 'The path OTLP/HTTP logs are POSTed to.' }),
    token: Type.Optional(Secret({ minLength: 1, description: 'When set, requests must carry `Authorization: Bearer <token>` (an OpenTelemetry Collector sets it with the bearertokenauth extension or `headers`).' })),
    maxBodyBytes: Type.Integer({ minimum: 1024, default: 4 * 1024 * 1024, description: 'Larger bodies (before and after gunzip) are refused with 413 without being read further.' }),
    requestTimeoutMs: Type.Integer({ minimum: 100, default: 10_000, description: 'A whole request must arrive within this long, so slow clients cannot hold connections.' }),
    headersTimeoutMs: Type.Integer({ minimum: 100, default: 5_000, description: 'The request headers must arrive within this long (at most `requestTimeoutMs`).' }),
  },
  { additionalProperties: false },
);

export type OtlpReceiverConfig = Static<typeof configSchema>;
