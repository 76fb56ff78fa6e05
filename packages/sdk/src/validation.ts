import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import standaloneCodeModule from 'ajv/dist/standalone/index.js';
import { FILE_PATH_KEYWORD, SECRET_KEYWORD } from './schema.js';
import { readCachedCode, schemaCacheDirectory, writeCachedCode } from './validation-cache.js';

// ajv-formats and ajv's standalone module are CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const standaloneCode = ((standaloneCodeModule as unknown as { default?: unknown }).default ?? standaloneCodeModule) as (ajv: Ajv, validate: ValidateFunction) => string;
const require = createRequire(import.meta.url);

export type { ValidateFunction };

const OPTIONS = { allErrors: true, useDefaults: true, coerceTypes: true, strict: false, verbose: true } as const;
/** What the generated code depends on besides the schema: the options and the versions that write it. */
const GENERATOR = JSON.stringify([OPTIONS, SECRET_KEYWORD, FILE_PATH_KEYWORD, (require('ajv/package.json') as { version: string }).version, (require('ajv-formats/package.json') as { version: string }).version]);

const compiled = new Map<string, ValidateFunction>();

function newAjv(source: boolean): Ajv {
  const ajv = new Ajv({ ...OPTIONS, code: { source } });
  addFormats(ajv);
  ajv.addKeyword({ keyword: SECRET_KEYWORD, schemaType: 'boolean' });
  ajv.addKeyword({ keyword: FILE_PATH_KEYWORD, schemaType: 'boolean' });
  return ajv;
}

/** Runs ajv's standalone CommonJS code with the SDK's own `require` (it needs ajv's runtime and ajv-formats). */
function load(code: string): ValidateFunction {
  const module = { exports: {} as { default?: ValidateFunction } };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- code ajv generated from our schema, read back from a cache only Ferry's user can write
  new Function('require', 'module', 'exports', code)(require, module, module.exports);
  return (module.exports.default ?? module.exports) as ValidateFunction;
}

/**
 * The one way Ferry validates configs, shared by the host and the test kit: every error at
 * once, defaults filled in, strings from environment variables coerced to the numbers and
 * booleans the schema asks for, standard formats (uri, hostname, date-time, …) checked.
 *
 * Compiling a composed schema is most of a start's CPU (ajv writes and evaluates a large
 * function), so each schema is compiled once per process, and, where a cache directory is
 * set (`setSchemaCacheDirectory`, which the `ferry` command does), ajv's generated code is
 * kept there by the schema's hash and read back at the next start.
 */
export function compileConfigSchema<T = unknown>(schema: object): ValidateFunction<T> {
  const key = createHash('sha256').update(GENERATOR).update(JSON.stringify(schema)).digest('hex');
  const known = compiled.get(key);
  if (known !== undefined) return known as ValidateFunction<T>;
  let validate: ValidateFunction | undefined;
  const cached = readCachedCode(key);
  if (cached !== undefined) {
    try {
      validate = load(cached);
    } catch {
      validate = undefined; // a damaged cache entry: compiled again below, and rewritten
    }
  }
  if (validate === undefined) {
    const caching = schemaCacheDirectory() !== undefined;
    const ajv = newAjv(caching);
    validate = ajv.compile(schema);
    if (caching) writeCachedCode(key, standaloneCode(ajv, validate));
  }
  compiled.set(key, validate);
  return validate as ValidateFunction<T>;
}

/** Test support: forget what this process compiled, so the next compile reads the disk cache (or compiles). */
export function forgetCompiledSchemas(): void {
  compiled.clear();
}
