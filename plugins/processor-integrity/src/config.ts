import { Secret, Type, type Static } from '@ferry/sdk';

export const configSchema = Type.Object(
  {
    writerId: Type.Optional(Type.String({ minLength: 1, pattern: '^[^\\s]+$', description: 'Names this collector\'s chain; several collectors writing to one archive each need their own. Default: the host name.' })),
    secret: Type.Optional(Secret({ minLength: 16, description: 'With a secret the links are HMAC-SHA256, so only a key holder can extend or rewrite the chain; without, SHA-256.' })),
  },
  { additionalProperties: false },
);

export type IntegrityConfig = Static<typeof configSchema>;
