import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { FILE_PATH_KEYWORD, SECRET_KEYWORD } from './schema.js';

// ajv-formats is CommonJS with a default export object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export type { ValidateFunction };

/**
 * The one way Ferry validates configs, shared by the host and the test kit: every error at
 * once, defaults filled in, strings from environment variables coerced to the numbers and
 * booleans the schema asks for, standard formats (uri, hostname, date-time, …) checked.
 */
export function compileConfigSchema<T = unknown>(schema: object): ValidateFunction<T> {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: true, strict: false, verbose: true });
  addFormats(ajv);
  ajv.addKeyword({ keyword: SECRET_KEYWORD, schemaType: 'boolean' });
  ajv.addKeyword({ keyword: FILE_PATH_KEYWORD, schemaType: 'boolean' });
  return ajv.compile<T>(schema);
}
