import { FilePath, Secret, StringEnum, Type, type Static } from '@ferry/sdk';

/** A header name as HTTP allows it (a token). */
const HEADER_NAME = '^[!#$%&\'*+.^_`|~0-9A-Za-z-]+$';

export const configSchema = Type.Object(
  {
    url: Type.String({ format: 'uri', pattern: '^https?://', description: 'Where each batch is POSTed (`https://siem.example.com/ingest/ferry`).' }),
    format: StringEnum(['json', 'ndjson'] as const, {
      default: 'json',
      description: '`json`: the body is a JSON array of the events (`Content-Type: application/json`). `ndjson`: one event per line (`application/x-ndjson`). Either way each event is the exact text Ferry archived.',
    }),
    secret: Type.Optional(
      Secret({
        minLength: 1,
        description: 'Turns signing on: each request carries `<timestampHeader>: <unix seconds>` and `<signatureHeader>: sha256=<hex>`, an HMAC-SHA256 with this secret over `<timestamp>.<body>` — how Grantex signs its webhooks.',
      }),
    ),
    timestampHeader: Type.String({ pattern: HEADER_NAME, default: 'X-Ferry-Timestamp', description: 'The header that carries the signing timestamp (with `secret`).' }),
    signatureHeader: Type.String({ pattern: HEADER_NAME, default: 'X-Ferry-Signature-V2', description: 'The header that carries the signature (with `secret`).' }),
    headers: Type.Object(
      {},
      {
        additionalProperties: Secret({ description: 'A header value; treated as a secret (never logged), since headers often carry keys.' }),
        propertyNames: { pattern: HEADER_NAME },
        default: {},
        description: 'Extra headers sent with every request (`{"X-Api-Key": "${env:SIEM_KEY}"}`); their values are treated as secrets.',
      },
    ),
    auth: Type.Optional(
      Type.Object(
        {
          type: StringEnum(['bearer', 'basic'] as const, { description: '`bearer`: `Authorization: Bearer <token>`. `basic`: `Authorization: Basic base64(<username>:<password>)`.' }),
          token: Type.Optional(Secret({ minLength: 1, description: 'The bearer token (type `bearer`).' })),
          username: Type.Optional(Type.String({ minLength: 1, pattern: '^[^:]*$', description: 'The user name (type `basic`; no colon).' })),
          password: Type.Optional(Secret({ description: 'The password (type `basic`).' })),
        },
        {
          additionalProperties: false,
          description: 'How requests authenticate, besides any signature.',
          allOf: [
            { if: { properties: { type: { const: 'bearer' } } }, then: { required: ['token'] } },
            { if: { properties: { type: { const: 'basic' } } }, then: { required: ['username', 'password'] } },
          ],
        },
      ),
    ),
    idempotencyHeader: Type.String({
      pattern: HEADER_NAME,
      default: 'Idempotency-Key',
      description: 'The header that carries the batch id (a hash of its content, the same when the batch is sent again), so the receiver can drop a repeat.',
    }),
    tls: Type.Optional(
      Type.Object(
        {
          caFile: Type.Optional(FilePath({ minLength: 1, description: 'PEM file of the certificate authorities to trust instead of the system ones (a private CA).' })),
          certFile: Type.Optional(FilePath({ minLength: 1, description: 'PEM client certificate, for mutual TLS (with `keyFile`).' })),
          keyFile: Type.Optional(FilePath({ minLength: 1, description: 'PEM private key of the client certificate.' })),
          serverName: Type.Optional(Type.String({ minLength: 1, description: 'The name the server certificate must carry, when it is not the URL\'s host.' })),
          insecureSkipVerify: Type.Boolean({ default: false, description: 'Accept any server certificate. Only for testing: anyone on the path can read and change the events.' }),
        },
        {
          additionalProperties: false,
          description: 'TLS settings for an `https` URL. Files are read at start.',
          allOf: [
            { if: { required: ['certFile'] }, then: { required: ['keyFile'] } },
            { if: { required: ['keyFile'] }, then: { required: ['certFile'] } },
          ],
        },
      ),
    ),
    requestTimeoutMs: Type.Integer({ minimum: 100, default: 30_000, description: 'Timeout of one HTTP request (ms); a request that times out is retried.' }),
  },
  { additionalProperties: false },
);

/** The options as validated; `headers` is a map of header names to values (its schema says so through `additionalProperties`, which the static type cannot see). */
export type HttpConfig = Omit<Static<typeof configSchema>, 'headers'> & { readonly headers: Readonly<Record<string, string>> };

/** Where requests go, for messages: the URL's origin, never its path, query or user info (which may hold credentials). */
export function destinationName(url: string): string {
  return new URL(url).origin;
}
