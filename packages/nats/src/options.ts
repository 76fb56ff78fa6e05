import { FilePath, Secret, Type, type Static, type TSchema } from '@ferry/sdk';

export const DEFAULT_SERVERS = 'nats://127.0.0.1:4222';

/** The stream both sides of a tiered deployment use unless told otherwise. */
export const DEFAULT_STREAM = 'FERRY_EVENTS';

/** Stream and consumer names: no whitespace, `.`, `*`, `>` or path separators. */
export const NATS_NAME_PATTERN = '^[^.*>\\s/\\\\]+$';

/**
 * The connection options the NATS receiver, the exporter and leader election all take,
 * under the same names: `servers`, `credsFile`, `token`, `tls`, `connectTimeoutMs`.
 */
export function connectionProperties() {
  return {
    servers: Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], {
      default: DEFAULT_SERVERS,
      description: 'The NATS server(s): a URL, a comma-separated list or an array (`nats://nats-1:4222`); the client fails over between them and reconnects forever.',
    }),
    credsFile: Type.Optional(FilePath({ minLength: 1, description: 'A NATS credentials file (`.creds`: user JWT and nkey seed), for decentralized auth. Its content is never logged.' })),
    token: Type.Optional(Secret({ minLength: 1, description: 'A token for token authentication.' })),
    tls: Type.Optional(
      Type.Object(
        {
          caFile: Type.Optional(FilePath({ minLength: 1, description: 'CA certificate(s) that sign the server\'s certificate (PEM).' })),
          certFile: Type.Optional(FilePath({ minLength: 1, description: 'Client certificate (PEM), for mutual TLS; with `keyFile`.' })),
          keyFile: Type.Optional(FilePath({ minLength: 1, description: 'Client private key (PEM), for mutual TLS; with `certFile`.' })),
        },
        { additionalProperties: false, description: 'Connect with TLS (required by the server, or `tls://` URLs); `{}` uses the system\'s CAs.' },
      ),
    ),
    connectTimeoutMs: Type.Integer({ minimum: 100, default: 5000, description: 'How long one connection attempt may take (ms); Ferry keeps retrying with backoff.' }),
  } satisfies Record<string, TSchema>;
}

const connectionSchema = Type.Object(connectionProperties(), { additionalProperties: false });

/** A resolved connection config (defaults applied). */
export type NatsConnectionOptions = Static<typeof connectionSchema>;

export { connectionSchema };
