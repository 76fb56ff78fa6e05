import { Type, type TSchema, type TObject, type Static, type SchemaOptions } from '@sinclair/typebox';

/**
 * Config schemas are TypeBox declarations: one declaration is the JSON Schema the host
 * validates with, the TypeScript type (`Static<typeof schema>`) the plugin codes against,
 * and the source of the generated option tables.
 */
export { Type };
export type { TSchema, TObject, Static, SchemaOptions };

/** The JSON Schema keyword that marks a value as secret: it is never printed, logged or echoed. */
export const SECRET_KEYWORD = 'secret';

/** Marks a string option as secret (API keys, tokens, webhook secrets). */
export function Secret(options: SchemaOptions = {}): ReturnType<typeof Type.String> {
  return Type.String({ ...options, [SECRET_KEYWORD]: true });
}
