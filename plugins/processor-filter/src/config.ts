import { Type, type Static } from '@ferry/sdk';

// A type list, not anyOf: ajv's coerceTypes would turn 5 into "5" in the first branch of
// an anyOf, while with a list it converts nothing that already has one of the types.
const Scalar = (description: string) => Type.Unsafe<Scalar>({ type: ['string', 'number', 'boolean', 'null'], description });

/** The operators of a condition, in the order the docs list them. */
export const OPERATORS = ['equals', 'notEquals', 'in', 'exists', 'matches', 'gt', 'gte', 'lt', 'lte'] as const;
export type Operator = (typeof OPERATORS)[number];

export const conditionSchema = Type.Object(
  {
    field: Type.String({
      pattern: '^[^.]+(\\.[^.]+)*$',
      description: 'Dotted path of the event field to test: `type`, `id`, `createdAt`, `data.agentId`, `data.scopes`, `data.items.0` (a number indexes an array).',
    }),
    equals: Type.Optional(Scalar('Holds when the field is exactly this string, number, boolean or null (no type conversion); on an array field, when any element is.')),
    notEquals: Type.Optional(Scalar('Holds when `equals` with this value would not: the field differs, is missing, or (an array) has no such element.')),
    in: Type.Optional(
      Type.Array(Scalar('One allowed value.'), {
        minItems: 1,
        description: 'Holds when the field is one of these values; on an array field, when any element is.',
      }),
    ),
    exists: Type.Optional(Type.Boolean({ description: '`true`: holds when the field is present (even as null); `false`: when it is missing.' })),
    matches: Type.Optional(
      Type.String({
        description: 'A JavaScript regular expression (unanchored: add ^ and $ to match the whole value) tested against a string field; on an array field, against each string element.',
      }),
    ),
    gt: Type.Optional(Type.Number({ description: 'Holds when the field is a number greater than this (on an array field, when any element is).' })),
    gte: Type.Optional(Type.Number({ description: 'Holds when the field is a number greater than or equal to this.' })),
    lt: Type.Optional(Type.Number({ description: 'Holds when the field is a number less than this.' })),
    lte: Type.Optional(Type.Number({ description: 'Holds when the field is a number less than or equal to this.' })),
  },
  {
    additionalProperties: false,
    // `field` plus exactly one operator.
    minProperties: 2,
    maxProperties: 2,
    description: 'A condition on one event field: `field` and exactly one operator, e.g. `{ "field": "data.amount", "gte": 100 }`.',
  },
);

export const matcherSchema = (role: string) =>
  Type.Object(
    {
      types: Type.Optional(
        Type.Array(Type.String({ minLength: 1, description: 'A glob over the event type: `budget.*`, `grant.{created,revoked}`, `*`.' }), {
          minItems: 1,
          description: 'Event type globs; the event type must match at least one.',
        }),
      ),
      where: Type.Optional(
        Type.Array(conditionSchema, { minItems: 1, description: 'Conditions on event fields; all of them must hold.' }),
      ),
    },
    {
      additionalProperties: false,
      minProperties: 1,
      description: `${role} An event matches when its type matches \`types\` (if given) and every \`where\` condition (if given) holds.`,
    },
  );

export const configSchema = Type.Object(
  {
    include: Type.Optional(matcherSchema('Keep only the events that match (without it, every event is a candidate).')),
    exclude: Type.Optional(matcherSchema('Drop the events that match, even if `include` matched them.')),
  },
  { additionalProperties: false },
);

export type FilterConfig = Static<typeof configSchema>;
export type MatcherConfig = NonNullable<FilterConfig['include']>;
export type ConditionConfig = Static<typeof conditionSchema>;
export type Scalar = string | number | boolean | null;
