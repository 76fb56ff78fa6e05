import { Type, type ConfigProblem, type Static } from '@ferry/sdk';

/** The options: one TypeBox declaration is the validator, the TypeScript type and the README's table. */
export const configSchema = Type.Object(
  {
    dropTypes: Type.Array(Type.String({ minLength: 1, description: 'An event type, exactly (`token.introspected`).' }), {
      default: [],
      uniqueItems: true,
      description: 'Event types to drop before they are stored; every other event passes unchanged.',
    }),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof configSchema>;

/**
 * What the schema cannot say, checked by `ferry validate` and before `ferry run` creates
 * anything. Pure: no I/O, no clock; each problem names its option.
 */
export function validate(config: Readonly<Config>): ConfigProblem[] {
  return config.dropTypes.flatMap((type, i) =>
    /[*?[{]/.test(type) ? [{ path: `dropTypes[${i}]`, problem: `${JSON.stringify(type)} is a pattern, and types here are matched exactly`, hint: 'list each type, or use Ferry\'s filter processor for globs' }] : [],
  );
}
