import { Secret, Type, type Static } from '@ferry/sdk';

export const configSchema = Type.Object(
  {
    writerId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        pattern: '^\\S+$',
        description:
          "Names this chain (`ferry.writer`). Each collector — and each pipeline with its own `integrity` — writing into one archive needs its own. Default: the host name. Changing it starts a new chain.",
      }),
    ),
    secret: Type.Optional(
      Secret({
        minLength: 16,
        description:
          'With a secret every block is sealed with HMAC-SHA256 (`alg: "hmac-sha256"`): only a holder of the key can extend or rewrite the chain, and `ferry verify` needs it. Without one, SHA-256. At least 16 characters.',
      }),
    ),
  },
  { additionalProperties: false },
);

export type IntegrityConfig = Static<typeof configSchema>;
