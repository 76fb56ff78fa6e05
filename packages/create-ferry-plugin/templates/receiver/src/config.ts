import { Secret, Type, type ConfigProblem, type Static } from '@ferry/sdk';

/** The options: one TypeBox declaration is the validator, the TypeScript type and the README's table. */
export const configSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, default: '127.0.0.1', description: 'The address to listen on (`0.0.0.0` for every interface, which needs `token`).' }),
    port: Type.Integer({ minimum: 0, maximum: 65_535, default: 8789, description: 'The port to listen on (0: any free port, logged at start).' }),
    path: Type.String({ pattern: '^/', default: '/events', description: 'The path events are POSTed to, as NDJSON: one event per line.' }),
    token: Type.Optional(Secret({ minLength: 16, description: 'Required as `Authorization: Bearer <token>` on every request.' })),
    maxBodyBytes: Type.Integer({ minimum: 1024, default: 1024 * 1024, description: 'Largest request body taken; a larger one is answered 413.' }),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof configSchema>;

const LOOPBACK = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1)$/;

/**
 * What the schema cannot say, checked by `ferry validate` and before `ferry run` creates
 * anything. Pure: no I/O, no clock; each problem names its option.
 */
export function validate(config: Readonly<Config>): ConfigProblem[] {
  if (!LOOPBACK.test(config.host) && config.token === undefined) {
    return [{ path: 'token', problem: `required when listening on "${config.host}", which other machines can reach`, hint: 'set token (16 characters or more), or listen on 127.0.0.1' }];
  }
  return [];
}
