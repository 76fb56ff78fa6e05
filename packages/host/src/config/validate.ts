import type { ErrorObject } from 'ajv';
import { closest, distance } from 'fastest-levenshtein';
import { compileConfigSchema, SECRET_KEYWORD, type ValidateFunction } from '@ferry/sdk';
import type { ConfigIssue } from './issue.js';
import { joinPath } from './issue.js';
import { describeSchema, describeValue } from './describe.js';
import { SECTIONS } from './schema.js';
import { COMPONENT_ID_PATTERN } from './host-schema.js';
import type { Registry } from '../plugins/registry.js';
import { officialPackageName } from '../plugins/registry.js';

/** Compiles the composed schema the way every Ferry config is validated (see the SDK). */
export const compileSchema = compileConfigSchema;

function segmentsOf(instancePath: string): (string | number)[] {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function isSecret(schema: unknown): boolean {
  return typeof schema === 'object' && schema !== null && (schema as Record<string, unknown>)[SECRET_KEYWORD] === true;
}

/** "did you mean …?" when a candidate is a plausible typo of the value. */
export function suggestion(value: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const best = closest(value, [...candidates]);
  const tolerance = Math.max(2, Math.floor(Math.max(value.length, best.length) / 3));
  return distance(value, best) <= tolerance ? `did you mean "${best}"?` : undefined;
}

function unknownComponent(section: string, id: string, registry: Registry): ConfigIssue {
  const kind = SECTIONS.find((s) => s.section === section)?.kind ?? 'exporter';
  const type = id.split('/')[0] ?? id;
  const known = registry.types(kind);
  const guess = suggestion(type, known);
  const pkg = officialPackageName(kind, type);
  return {
    path: joinPath([section, id]),
    code: 'FERRY_CONFIG_UNKNOWN_TYPE',
    problem: `no installed plugin provides ${kind} type "${type}"`,
    expected: known.length > 0 ? `one of ${known.map((t) => `"${t}"`).join(', ')}` : undefined,
    hint: `${guess ? `${guess} If not, ` : ''}install the plugin (\`pnpm add ${pkg}\`, or the package that provides it) or list its package in "plugins"`,
  } as ConfigIssue;
}

function issueOf(error: ErrorObject, registry: Registry): ConfigIssue | undefined {
  const segments = segmentsOf(error.instancePath);
  const path = joinPath(segments);
  const secret = isSecret(error.parentSchema);
  const base = { code: 'FERRY_CONFIG_SCHEMA' as const };
  switch (error.keyword) {
    case 'required': {
      const name = (error.params as { missingProperty: string }).missingProperty;
      const propertySchema = (error.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties?.[name];
      return { ...base, path: joinPath([...segments, name]), problem: 'required', expected: describeSchema(propertySchema), found: 'nothing' };
    }
    case 'additionalProperties': {
      const name = (error.params as { additionalProperty: string }).additionalProperty;
      const section = segments.length === 1 ? segments[0] : undefined;
      if (typeof section === 'string' && SECTIONS.some((s) => s.section === section)) {
        // An id that is not even well-formed gets the pattern error alone.
        return new RegExp(COMPONENT_ID_PATTERN).test(name) ? unknownComponent(section, name, registry) : undefined;
      }
      const allowed = Object.keys((error.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {});
      return {
        ...base,
        path: joinPath([...segments, name]),
        problem: 'unknown option',
        expected: allowed.length > 0 ? `one of ${allowed.join(', ')}` : 'no options',
        hint: suggestion(name, allowed),
      } as ConfigIssue;
    }
    case 'propertyNames':
      return undefined; // reported by the 'pattern' error that accompanies it
    case 'pattern':
      if (error.propertyName !== undefined) {
        return { ...base, path: joinPath([...segments, error.propertyName]), problem: 'not a valid component id', expected: '`type` or `type/name` (lower-case type)', found: JSON.stringify(error.propertyName) };
      }
      return { ...base, path, problem: 'does not match the expected form', expected: `text matching ${(error.params as { pattern: string }).pattern}`, found: describeValue(error.data, secret) };
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
      return {
        ...base,
        path,
        problem: 'not an allowed value',
        expected: `one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`,
        found: describeValue(error.data, secret),
        hint: typeof error.data === 'string' ? suggestion(error.data, allowed.map(String)) : undefined,
      } as ConfigIssue;
    }
    case 'anyOf':
    case 'oneOf': {
      return {
        ...base,
        path,
        problem: 'not an allowed value',
        expected: describeSchema(error.parentSchema),
        found: describeValue(error.data, secret),
        hint:
          typeof error.data === 'string'
            ? suggestion(
                error.data,
                (((error.parentSchema as { anyOf?: unknown[]; oneOf?: unknown[] }).anyOf ?? (error.parentSchema as { oneOf?: unknown[] }).oneOf ?? []) as Array<{ const?: unknown }>)
                  .map((a) => a.const)
                  .filter((c): c is string => typeof c === 'string'),
              )
            : undefined,
      } as ConfigIssue;
    }
    case 'const':
      return undefined; // each alternative of an anyOf; the anyOf error says it once
    case 'if':
      return undefined; // a conditional requirement; the failing keyword inside it (required, …) says it
    case 'type':
      return { ...base, path, problem: 'wrong type', expected: describeSchema({ type: (error.params as { type: string }).type }), found: describeValue(error.data, secret) };
    case 'minimum':
    case 'exclusiveMinimum':
      return { ...base, path, problem: 'too small', expected: `at least ${(error.params as { limit: number }).limit}`, found: describeValue(error.data, secret) };
    case 'maximum':
    case 'exclusiveMaximum':
      return { ...base, path, problem: 'too large', expected: `at most ${(error.params as { limit: number }).limit}`, found: describeValue(error.data, secret) };
    case 'minLength':
      return { ...base, path, problem: 'too short', expected: `at least ${(error.params as { limit: number }).limit} characters`, found: describeValue(error.data, secret) };
    case 'maxLength':
      return { ...base, path, problem: 'too long', expected: `at most ${(error.params as { limit: number }).limit} characters`, found: secret ? describeValue(error.data, true) : `${String(error.data).length} characters` };
    case 'minItems':
      return { ...base, path, problem: 'too few entries', expected: `at least ${(error.params as { limit: number }).limit}`, found: describeValue(error.data) };
    case 'maxItems':
      return { ...base, path, problem: 'too many entries', expected: `at most ${(error.params as { limit: number }).limit}`, found: describeValue(error.data) };
    case 'minProperties':
    case 'maxProperties': {
      const described = (error.parentSchema as { description?: unknown } | undefined)?.description;
      const limit = (error.params as { limit: number }).limit;
      const count = typeof error.data === 'object' && error.data !== null ? Object.keys(error.data).length : 0;
      return {
        ...base,
        path,
        problem: error.keyword === 'minProperties' ? (count === 0 ? 'empty' : 'too few entries') : 'too many entries',
        expected: typeof described === 'string' ? described : `${error.keyword === 'minProperties' ? 'at least' : 'at most'} ${limit} entr${limit === 1 ? 'y' : 'ies'}`,
        found: `${count} entr${count === 1 ? 'y' : 'ies'}`,
      };
    }
    case 'uniqueItems':
      return { ...base, path, problem: 'lists the same entry twice', found: `entries ${(error.params as { j: number; i: number }).j} and ${(error.params as { i: number }).i}` };
    case 'format':
      return { ...base, path, problem: `not a valid ${(error.params as { format: string }).format}`, found: describeValue(error.data, secret) };
    default:
      return { ...base, path, problem: error.message ?? error.keyword, found: describeValue(error.data, secret) };
  }
}

/** Runs the composed schema, returning every problem as an issue in plain words. */
export function schemaIssues(validate: ValidateFunction, config: unknown, registry: Registry): ConfigIssue[] {
  if (validate(config)) return [];
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  for (const error of validate.errors ?? []) {
    const issue = issueOf(error, registry);
    if (issue === undefined) continue;
    const key = `${issue.path}|${issue.problem}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}
