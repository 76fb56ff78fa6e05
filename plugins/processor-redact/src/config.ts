import { Secret, StringEnum, Type, type Static } from '@ferry/sdk';

const fieldPath = Type.String({
  pattern: '^[^.\\s]+(\\.[^.\\s]+)*$',
  description: 'A dotted field path from the top of the event (`data.ip`, `data.principal.email`); through an array it applies to every element.',
});

export const configSchema = Type.Object(
  {
    rules: Type.Array(
      Type.Object(
        {
          types: Type.Array(Type.String({ minLength: 1, description: 'An event type or a glob.' }), {
            minItems: 1,
            default: ['*'],
            description: 'Event types the rule applies to: globs as in the filter processor (`grant.*`, `{sso,fido}.*`; `*` crosses dots).',
          }),
          remove: Type.Array(fieldPath, { default: [], description: 'Fields to remove.' }),
          hash: Type.Array(fieldPath, {
            default: [],
            description: 'Fields whose value is replaced by its HMAC-SHA256 keyed with `secret` (see `hashFormat`): the same value always gives the same hash, so records stay joinable without showing the value.',
          }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, description: 'Applied in order; every rule whose types match an event applies to it.' },
    ),
    secret: Type.Optional(
      Secret({
        minLength: 16,
        description: 'The HMAC key of `hash` (required when a rule hashes). Keep it stable: another key gives other hashes, so old and new records no longer join.',
      }),
    ),
    hashFormat: StringEnum(['prefixed', 'hex'], {
      default: 'prefixed',
      description: 'How a hashed value is written: `prefixed` is `hmac:<64 hex>` (a reader sees it was redacted), `hex` the 64 hex digits alone.',
    }),
  },
  { additionalProperties: false },
);

export type RedactConfig = Static<typeof configSchema>;
