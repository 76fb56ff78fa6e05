import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { afterEach, describe, expect, it } from 'vitest';
import { FilePath, Secret, StringEnum, Type } from './schema.js';
import { compileConfigSchema, DRAFT_07_CHECK_FILE, draft07CheckCode, forgetCompiledSchemas, precompiledSchemaCheck } from './validation.js';
import { SCHEMA_CACHE_ENTRIES, schemaCacheProblem, setSchemaCacheDirectory } from './validation-cache.js';

// Every kind of check a config meets: formats, defaults, coercion of env strings, enums, patterns, secrets, nesting.
const schema = Type.Object(
  {
    url: Type.String({ format: 'uri' }),
    apiKey: Secret(Type.String({ minLength: 4 })),
    directory: FilePath(Type.String()),
    batchSize: Type.Integer({ minimum: 1, default: 100 }),
    compression: StringEnum(['gzip', 'none'], { default: 'gzip' }),
    id: Type.String({ pattern: '^[a-z]+$' }),
    retry: Type.Object({ initialIntervalMs: Type.Integer({ default: 100 }), enabled: Type.Boolean({ default: true }) }, { default: {}, additionalProperties: false }),
    tags: Type.Array(Type.String({ format: 'hostname' }), { maxItems: 2 }),
  },
  { additionalProperties: false },
);

const inputs: unknown[] = [
  { url: 'https://example.com/x', apiKey: 'abcd', directory: '/tmp/a', id: 'abc', tags: ['a.example'] },
  { url: 'https://example.com/x', apiKey: 'abcd', directory: '/tmp/a', id: 'abc', tags: [], batchSize: '250', retry: { enabled: 'false' } },
  { url: 'not a url', apiKey: 'ab', directory: 7, batchSize: 0, compression: 'zip', id: 'ABC', retry: { initialIntervalMs: 'soon', extra: 1 }, tags: ['-bad-', 'b', 'c'], unknown: true },
  {},
];

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  setSchemaCacheDirectory(undefined);
  forgetCompiledSchemas();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function cacheDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-schema-cache-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'schemas');
}

/** A fresh cache in use, holding the one entry compiling `schema` wrote: its directory and that entry's path. */
async function cachedEntry(): Promise<{ dir: string; entry: string }> {
  const dir = await cacheDir();
  setSchemaCacheDirectory(dir);
  compileConfigSchema(schema);
  const [file] = await readdir(dir);
  return { dir, entry: join(dir, file as string) };
}

/** What a validator makes of each input: the verdict, the input as defaults and coercion left it, every error with its schema. */
function outcomes(validate: ReturnType<typeof compileConfigSchema>): unknown[] {
  return inputs.map((input) => {
    const data = structuredClone(input);
    const ok = validate(data);
    // As JSON: a cached validator's schemas are JSON copies without TypeBox's symbol keys, which nothing reading errors uses.
    return JSON.parse(JSON.stringify({ ok, data, errors: validate.errors ?? null })) as unknown;
  });
}

describe('compileConfigSchema with a cache of compiled validators', () => {
  it('a validator read back from the cache answers exactly as a freshly compiled one: verdicts, defaults, coercion and every error with its schemas', async () => {
    const fresh = outcomes(compileConfigSchema(schema));
    forgetCompiledSchemas();
    const dir = await cacheDir();
    setSchemaCacheDirectory(dir);
    const writing = outcomes(compileConfigSchema(schema));
    expect(await readdir(dir)).toHaveLength(1);
    forgetCompiledSchemas();
    const reading = outcomes(compileConfigSchema(schema));
    expect(writing).toEqual(fresh);
    expect(reading).toEqual(fresh);
    expect((fresh[2] as { errors: unknown[] }).errors.length).toBeGreaterThan(8);
  });

  it('compiles again when a cache entry is damaged, and rewrites it', async () => {
    const fresh = outcomes(compileConfigSchema(schema));
    forgetCompiledSchemas();
    const { entry } = await cachedEntry();
    await writeFile(entry, 'module.exports = (', { mode: 0o600 });
    forgetCompiledSchemas();
    expect(outcomes(compileConfigSchema(schema))).toEqual(fresh);
    expect(await readFile(entry, 'utf8')).toContain('module.exports');
    expect((await readFile(entry, 'utf8')).length).toBeGreaterThan(1000);
  });

  it('does not run code from a directory or file others can write to', async () => {
    const { dir, entry } = await cachedEntry();
    // An entry that accepts anything: run when it is this user's own (which shows the cache is read) …
    await writeFile(entry, 'module.exports = () => true;', { mode: 0o600 });
    forgetCompiledSchemas();
    expect(compileConfigSchema(schema)({})).toBe(true);
    // … and not once others could have written it.
    await chmod(entry, 0o666);
    forgetCompiledSchemas();
    expect(compileConfigSchema(schema)({})).toBe(false);
    forgetCompiledSchemas();
    await chmod(dir, 0o777);
    setSchemaCacheDirectory(dir);
    await chmod(entry, 0o600);
    expect(compileConfigSchema(schema)({})).toBe(false);
  });

  it('says why it keeps nothing: a directory others can write, one that cannot be made, or a write that fails; nothing while it works or is off', async () => {
    const shared = await cacheDir();
    await mkdir(shared);
    await chmod(shared, 0o777);
    setSchemaCacheDirectory(shared);
    expect(schemaCacheProblem()).toBe(`${shared} can be written by other users`);
    compileConfigSchema(schema);
    expect(await readdir(shared)).toEqual([]);

    const parent = await cacheDir();
    await mkdir(parent);
    await writeFile(join(parent, 'a-file'), '');
    setSchemaCacheDirectory(join(parent, 'a-file', 'schemas'));
    expect(schemaCacheProblem()).toBe(`${join(parent, 'a-file', 'schemas')} cannot be created (ENOTDIR)`);

    // Usable when set, gone by the time a validator is written (a disk changed under it).
    const vanishing = await cacheDir();
    setSchemaCacheDirectory(vanishing);
    expect(schemaCacheProblem()).toBeUndefined();
    await rm(vanishing, { recursive: true });
    await writeFile(vanishing, '');
    forgetCompiledSchemas();
    expect(compileConfigSchema(schema)(inputs[0])).toBe(true);
    expect(schemaCacheProblem()).toBe(`${vanishing} cannot be written (ENOTDIR)`);

    setSchemaCacheDirectory(undefined);
    expect(schemaCacheProblem()).toBeUndefined();
    setSchemaCacheDirectory(await cacheDir());
    forgetCompiledSchemas();
    compileConfigSchema(schema);
    expect(schemaCacheProblem()).toBeUndefined();
  });

  it('keeps at most SCHEMA_CACHE_ENTRIES entries, the newest written', async () => {
    const dir = await cacheDir();
    setSchemaCacheDirectory(dir);
    for (let i = 0; i < SCHEMA_CACHE_ENTRIES + 5; i++) compileConfigSchema(Type.Object({ [`option${i}`]: Type.Integer() }));
    const kept = await readdir(dir);
    expect(kept.filter((name) => name.endsWith('.cjs'))).toHaveLength(SCHEMA_CACHE_ENTRIES);
    // The last one written is among them: reading it back writes nothing (evicted, it would be written again, and another evicted).
    forgetCompiledSchemas();
    const last = Type.Object({ [`option${SCHEMA_CACHE_ENTRIES + 4}`]: Type.Integer() });
    compileConfigSchema(last);
    expect((await readdir(dir)).filter((name) => name.endsWith('.cjs'))).toEqual(kept.filter((name) => name.endsWith('.cjs')));
  });
});

describe("the build's draft-07 check of schemas", () => {
  // Schemas ajv must refuse before compiling, and ones it must take (the composed config
  // schema's own shape among them): the build's check and ajv's own must agree on each.
  const invalid: object[] = [
    { type: 'object', properties: { n: { type: 'integr' } } },
    { type: 'object', required: 'name' },
    { type: 'string', minLength: -1 },
    { type: 'array', items: { enum: [] } },
    { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', patternProperties: { '^a$': { type: 7 } } },
  ];
  const valid: object[] = [schema, { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', $defs: { a: { type: 'string' } }, properties: { a: { $ref: '#/$defs/a' } } }];

  /** What ajv itself says of a schema (validateSchema on, as without the build's check). */
  function ajvVerdict(input: object): string {
    try {
      new Ajv({ allErrors: true, useDefaults: true, coerceTypes: true, strict: false, verbose: true }).compile(structuredClone(input));
      return 'ok';
    } catch (error) {
      return (error as Error).message;
    }
  }

  function ferryVerdict(input: object): string {
    try {
      compileConfigSchema(structuredClone(input));
      return 'ok';
    } catch (error) {
      return (error as Error).message;
    }
  }

  it('is written by the build beside the SDK, and loads', () => {
    const file = fileURLToPath(new URL(`../dist/${DRAFT_07_CHECK_FILE}`, import.meta.url));
    expect(existsSync(file), `${file} (written by pnpm build)`).toBe(true);
    const check = createRequire(import.meta.url)(file) as (schema: unknown) => boolean;
    expect(check({ type: 'string' })).toBe(true);
    expect(check({ type: 'strng' })).toBe(false);
    // What compiling a config schema checks it with: the build's code, not ajv's meta-schema compiled anew.
    expect(precompiledSchemaCheck(schema)).toBeTypeOf('function');
    expect(precompiledSchemaCheck({ $schema: 'http://json-schema.org/draft-07/schema#' })).toBeTypeOf('function');
    // A schema of another draft is left to ajv, which knows whether it can take it.
    expect(precompiledSchemaCheck({ $schema: 'https://json-schema.org/draft/2020-12/schema' })).toBeUndefined();
  });

  it('refuses every schema ajv refuses, with ajv\'s message, and takes every one it takes', () => {
    for (const input of invalid) {
      const expected = ajvVerdict(input);
      expect(expected, JSON.stringify(input)).toMatch(/^schema is invalid: /);
      expect(ferryVerdict(input), JSON.stringify(input)).toBe(expected);
    }
    for (const input of valid) expect(ferryVerdict(input), JSON.stringify(input)).toBe('ok');
  });

  it('is the code ajv generates today, so it cannot fall behind an ajv upgrade', async () => {
    const built = await readFile(new URL(`../dist/${DRAFT_07_CHECK_FILE}`, import.meta.url), 'utf8');
    expect(built).toBe(draft07CheckCode());
  });
});
