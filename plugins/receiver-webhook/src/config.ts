import { FilePath, Secret, StringEnum, Type, type Static } from '@ferry/sdk';

export const configSchema = Type.Object(
  {
    endpoint: Type.String({
      pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[^\\s:\\[\\]]*):\\d{1,5}$',
      default: '127.0.0.1:8788',
      description: 'Address to listen on, `host:port` (`0.0.0.0:8788` to accept from other machines, `[::]:8788` for IPv6).',
    }),
    path: Type.String({ pattern: '^/', default: '/webhooks/grantex', description: 'The path deliveries are POSTed to (`<path>/health` answers 200 for load balancers).' }),
    mode: StringEnum(['grantex', 'generic'], {
      default: 'grantex',
      description: '`grantex`: signed Grantex deliveries, one event each. `generic`: JSON events, arrays or NDJSON from any application, with a bearer token or a signature (or both).',
    }),
    secret: Type.Optional(
      Secret({
        minLength: 1,
        description: 'The webhook signing secret (required in `grantex` mode). In `generic` mode it makes every request carry a v2 signature, as Ferry\'s `http` exporter signs with its `secret`.',
      }),
    ),
    token: Type.Optional(Secret({ minLength: 1, description: 'The bearer token clients must send (`generic` mode; it needs `token`, `secret` or both).' })),
    timestampHeader: Type.Optional(
      Type.String({ minLength: 1, description: 'The header that carries the signing timestamp: `X-Grantex-Timestamp` in `grantex` mode, `X-Ferry-Timestamp` in `generic` mode unless set.' }),
    ),
    signatureHeader: Type.Optional(
      Type.String({ minLength: 1, description: 'The header that carries the v2 signature: `X-Grantex-Signature-V2` in `grantex` mode, `X-Ferry-Signature-V2` in `generic` mode unless set.' }),
    ),
    toleranceSeconds: Type.Integer({ minimum: 1, default: 300, description: 'Deliveries whose signing timestamp (X-Grantex-Timestamp, or the `timestampHeader`) is further than this from now are refused (stale or replayed).' }),
    legacySignature: Type.Boolean({ default: false, description: 'Also accept the deprecated body-only `X-Grantex-Signature` when no v2 signature is sent.' }),
    maxBodyBytes: Type.Integer({ minimum: 1024, default: 1024 * 1024, description: 'Larger bodies are refused with 413 without being read further.' }),
    requestTimeoutMs: Type.Integer({ minimum: 100, default: 10_000, description: 'A whole request (headers and body) must arrive within this long, so slow clients cannot hold connections.' }),
    headersTimeoutMs: Type.Integer({ minimum: 100, default: 5_000, description: 'The request headers must arrive within this long (at most `requestTimeoutMs`); against clients that trickle them (slowloris).' }),
    tls: Type.Optional(
      Type.Object(
        {
          certFile: FilePath({ minLength: 1, description: 'PEM certificate chain file (server certificate first).' }),
          keyFile: FilePath({ minLength: 1, description: 'PEM private key file of the certificate.' }),
        },
        { additionalProperties: false, description: 'Serve HTTPS with this certificate instead of plain HTTP (no proxy needed in front). Files are read at start.' },
      ),
    ),
  },
  {
    additionalProperties: false,
    allOf: [
      { if: { properties: { mode: { const: 'generic' } }, required: ['mode'] }, then: { anyOf: [{ required: ['token'] }, { required: ['secret'] }] }, else: { required: ['secret'] } },
    ],
  },
);

export type WebhookConfig = Static<typeof configSchema>;
