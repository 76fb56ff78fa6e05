import { Secret, Type, type Static } from '@ferry/sdk';

const path = Type.String({ pattern: '^[^.\\s]+(\\.[^.\\s]+)*$', description: 'A dotted field path (`data.ip`, `data.principal.email`).' });

export const configSchema = Type.Object(
  {
    rules: Type.Array(
      Type.Object(
        {
          types: Type.Array(Type.String({ minLength: 1 }), { default: ['*'], description: 'Event types the rule applies to: globs like `grant.*` (`*` crosses dots).' }),
          remove: Type.Array(path, { default: [], description: 'Fields to remove.' }),
          hash: Type.Array(path, { default: [], description: 'Fields to replace with `hmac-sha256:<hex>` of their value (JSON), keyed by `secret`: still joinable, no longer readable.' }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, description: 'Applied in order; every rule whose types match an event applies.' },
    ),
    secret: Type.Optional(Secret({ minLength: 16, description: 'The key of the hashes (required when a rule hashes). Keep it: without it nobody can tell which value a hash stands for, and with it, the same value always gives the same hash.' })),
  },
  { additionalProperties: false },
);

export type RedactConfig = Static<typeof configSchema>;
