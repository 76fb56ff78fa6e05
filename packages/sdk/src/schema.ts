import { Type, type TSchema, type TObject, type Static, type SchemaOptions, type TLiteral, type TUnion } from '@sinclair/typebox';

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

/** The JSON Schema keyword that marks a string as a file or directory path. */
export const FILE_PATH_KEYWORD = 'filePath';

/**
 * Marks a string option as a file or directory path. The host resolves a relative one
 * against the folder of the config file, as its author wrote it, so the plugin always
 * receives an absolute path, whatever directory Ferry was started from.
 */
export function FilePath(options: SchemaOptions = {}): ReturnType<typeof Type.String> {
  return Type.String({ ...options, [FILE_PATH_KEYWORD]: true });
}

export type TStringEnum<T extends readonly string[]> = TUnion<{ -readonly [K in keyof T]: TLiteral<T[K]> } & TSchema[]>;

/** One of a fixed set of strings, keeping their literal types (`StringEnum(['none', 'gzip'], { default: 'none' })`). */
export function StringEnum<const T extends readonly string[]>(values: T, options: SchemaOptions = {}): TStringEnum<T> {
  return Type.Union(values.map((v) => Type.Literal(v)), options) as unknown as TStringEnum<T>;
}
