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

/** `checksSchemas: false` when the schema is checked against draft-07 before (see `precompiledSchemaCheck`). */
function newAjv(source: boolean, checksSchemas = true): Ajv {
  const ajv = new Ajv({ ...OPTIONS, validateSchema: checksSchemas, code: { source, optimize: false } });
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
    const check = precompiledSchemaCheck(schema);
    const ajv = newAjv(caching, check === undefined);
    if (check !== undefined && !check(schema)) throw new Error(`schema is invalid: ${ajv.errorsText(check.errors)}`);
    validate = ajv.compile(schema);
    if (caching) writeCachedCode(key, standaloneCode(ajv, validate));
  }
  compiled.set(key, validate);
  return validate as ValidateFunction<T>;
}

/**
 * ajv's own check of a schema against JSON Schema draft-07 (what it runs before compiling
 * one), as standalone code: the build writes it to the SDK's dist (`DRAFT_07_CHECK_FILE`),
 * so that a start whose validators are not cached yet does not compile the meta-schema
 * first — about 30 ms, a third of such a start's compiling.
 */
export function draft07CheckCode(): string {
  const ajv = newAjv(true);
  const check = ajv.getSchema(DRAFT_07);
  if (check === undefined) throw new Error('ajv has no draft-07 meta-schema');
  return standaloneCode(ajv, check);
}

export const DRAFT_07_CHECK_FILE = 'draft-07-check.cjs';
const DRAFT_07 = 'http://json-schema.org/draft-07/schema';
let draft07Check: ValidateFunction | null | undefined;

/**
 * The build's draft-07 check for `schema`, when the schema is a draft-07 one (every Ferry
 * config schema is) and the check is there: from the SDK's compiled code and from its
 * sources alike it is `../dist/` (elsewhere, and before a build, ajv checks the schema itself).
 */
export function precompiledSchemaCheck(schema: object): ValidateFunction | undefined {
  const declared = (schema as { $schema?: unknown }).$schema;
  if (declared !== undefined && declared !== DRAFT_07 && declared !== `${DRAFT_07}#`) return undefined;
  if (draft07Check === undefined) {
    try {
      draft07Check = (require(`../dist/${DRAFT_07_CHECK_FILE}`) as { default?: ValidateFunction }).default ?? null;
    } catch {
      draft07Check = null;
    }
  }
  return draft07Check ?? undefined;
}

/** Test support: forget what this process compiled, so the next compile reads the disk cache (or compiles). */
export function forgetCompiledSchemas(): void {
  compiled.clear();
}
