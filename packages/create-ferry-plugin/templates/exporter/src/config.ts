import { Secret, Type, type ConfigProblem, type Static } from '@ferry/sdk';

/** The options: one TypeBox declaration is the validator, the TypeScript type and the README's table. */
export const configSchema = Type.Object(
  {
    url: Type.String({ format: 'uri', pattern: '^https?://', description: 'Where each batch is POSTed, as NDJSON.' }),
    token: Type.Optional(Secret({ minLength: 1, description: 'Sent as `Authorization: Bearer <token>`.' })),
    requestTimeoutMs: Type.Integer({ minimum: 100, default: 10_000, description: 'Longest wait for one request (ms); a request that times out is retried.' }),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof configSchema>;

/**
 * What the schema cannot say, checked by `ferry validate` and before `ferry run` creates
 * anything. Pure: no I/O, no clock; each problem names its option.
 */
export function validate(config: Readonly<Config>): ConfigProblem[] {
  const url = new URL(config.url);
  if (url.username !== '' || url.password !== '') return [{ path: 'url', problem: 'holds a user name or password', hint: 'put the credential in token, which is kept secret' }];
  return [];
}
