import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { ComponentKind } from '@ferry/sdk';
import { loadPlugins } from '../plugins/load.js';
import type { Registry } from '../plugins/registry.js';
import { ConfigInvalidError, formatIssue, type ConfigIssue } from './issue.js';
import { parseConfigText } from './json.js';
import { isUnsetVariable, substituteEnv } from './env.js';
import { composeSchema, SECTIONS } from './schema.js';
import { compileSchema, schemaIssues } from './validate.js';
import { referenceIssues } from './references.js';
import { maskSecretLookingValues, secretValues } from './secrets.js';
import { resolvePathOptions } from './paths.js';
import { serviceSchema, storageSchema } from './host-schema.js';
import { telemetryIssues } from './telemetry-address.js';
import { componentIssues } from './component-checks.js';
import { typeOf, type LoadedConfig, type ResolvedConfig } from './types.js';

export interface LoadConfigOptions {
  readonly file: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Where installed plugins are looked for (node_modules above each), besides the config's directory. */
  readonly discoverFrom?: readonly string[];
  /**
   * Which config paths need their environment variables (default: all). A command that uses
   * only part of the config (`validate`, `dlq list`) narrows it: an unset variable anywhere
   * else is a warning, and its reference is left as written.
   */
  readonly envRequiredAt?: (path: string) => boolean;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `"batch": null` means "with its defaults", as in the OpenTelemetry Collector. */
function nullComponentsToEmpty(config: Record<string, unknown>): void {
  for (const { section } of SECTIONS) {
    const entries = config[section];
    if (!isObject(entries)) continue;
    for (const [id, value] of Object.entries(entries)) if (value === null) entries[id] = {};
  }
}

/** Calls `visit` with each configured component's options and its plugin's own schema. */
function forEachComponent(config: Pick<ResolvedConfig, 'receivers' | 'processors' | 'exporters'>, registry: Registry, visit: (schema: object, options: unknown) => void): void {
  for (const { section, kind } of SECTIONS) {
    for (const [id, value] of Object.entries(config[section])) {
      const definition = registry.get(kind as ComponentKind, typeOf(id))?.definition;
      if (definition) visit(definition.configSchema, value);
    }
  }
}

function collectSecrets(config: ResolvedConfig, registry: Registry): string[] {
  const found: string[] = [];
  secretValues(serviceSchema, config.service, found);
  forEachComponent(config, registry, (schema, options) => secretValues(schema, options, found));
  return [...new Set(found)];
}

/** The component types each section of a (not yet validated) config names. */
function typesUsed(config: Record<string, unknown>): Record<(typeof SECTIONS)[number]['section'], string[]> {
  const types = (section: string) => {
    const entries = config[section];
    return isObject(entries) ? [...new Set(Object.keys(entries).map(typeOf))] : [];
  };
  return { receivers: types('receivers'), processors: types('processors'), exporters: types('exporters') };
}

/** Relative paths in the config mean the config file's folder, as whoever wrote it meant them. */
function resolvePaths(config: ResolvedConfig, registry: Registry, base: string): void {
  if (config.storage !== undefined) resolvePathOptions(storageSchema, config.storage, base);
  forEachComponent(config, registry, (schema, options) => resolvePathOptions(schema, options, base));
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    throw new ConfigInvalidError(file, [{ path: '', code: 'FERRY_CONFIG_READ', problem: `cannot read the config file (${why})` }]);
  }
}

/** An unknown type whose official package is installed but broken says so. */
function withLoadFailure(issue: ConfigIssue, failures: readonly ConfigIssue[]): ConfigIssue {
  const failure = failures.find((f) => issue.hint !== undefined && /`pnpm add (\S+)`/.test(issue.hint) && f.problem.includes(` ${/`pnpm add (\S+)`/.exec(issue.hint)?.[1]} `));
  return failure === undefined ? issue : { ...issue, hint: `the installed ${failure.problem}` };
}

/**
 * Reads, substitutes, validates and resolves a config file, loading the plugins it needs.
 * Throws a ConfigInvalidError carrying every problem found, never just the first.
 */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const source = resolve(options.file);
  const text = await readText(source);
  const parsed = parseConfigText(text);
  if ('issue' in parsed) {
    throw new ConfigInvalidError(source, [{ ...parsed.issue, problem: maskSecretLookingValues(parsed.issue.problem) }]);
  }
  if (!isObject(parsed.value)) {
    throw new ConfigInvalidError(source, [{ path: '', code: 'FERRY_CONFIG_SCHEMA', problem: 'the config must be a JSON object', expected: '{ "receivers": …, "exporters": …, "service": … }' }]);
  }
  const substitutionIssues: ConfigIssue[] = [];
  const substituted = substituteEnv(parsed.value, options.env ?? process.env, substitutionIssues) as Record<string, unknown>;
  const required = options.envRequiredAt ?? (() => true);
  const envIssues = substitutionIssues.filter((issue) => !isUnsetVariable(issue) || required(issue.path));
  const envWarnings = substitutionIssues.filter((issue) => !envIssues.includes(issue)).map((issue) => `${formatIssue({ ...issue, hint: undefined })} (this command does not need it; running the collector does)`);
  nullComponentsToEmpty(substituted);

  const explicit = Array.isArray(substituted.plugins) ? substituted.plugins.filter((p): p is string => typeof p === 'string') : [];
  const { registry, issues: pluginIssues, warnings: pluginWarnings } = await loadPlugins({
    explicit,
    baseDirectory: dirname(source),
    discoverFrom: [dirname(source), ...(options.discoverFrom ?? [])],
    uses: typesUsed(substituted),
  });

  // Read before the schema fills in its default: only a value the user wrote is worth a word.
  const memoryBoundIgnored = isObject(substituted.storage) && isObject(substituted.service) && substituted.service.memoryMaxBytes !== undefined;
  const validate = compileSchema(composeSchema(registry));
  const envPaths = new Set(substitutionIssues.map((i) => i.path));
  const issues = [...pluginIssues, ...envIssues, ...schemaIssues(validate, substituted, registry).filter((i) => !envPaths.has(i.path))].map((issue) =>
    issue.code === 'FERRY_CONFIG_UNKNOWN_TYPE' ? withLoadFailure(issue, pluginWarnings) : issue,
  );
  const service = substituted.service;
  let warnings: string[] = [...envWarnings, ...pluginWarnings.map(formatIssue)];
  if (isObject(service) && isObject(service.pipelines) && SECTIONS.every(({ section }) => isObject(substituted[section]))) {
    const references = referenceIssues(substituted as unknown as Parameters<typeof referenceIssues>[0]);
    issues.push(...references.issues);
    warnings = [...warnings, ...references.warnings];
  }
  if (isObject(service)) issues.push(...telemetryIssues(service.telemetry));
  if (memoryBoundIgnored) warnings.push('service.memoryMaxBytes: ignored with storage, where each pipeline\'s log is on disk and bounded by storage.maxBytes');
  // Each component's own checks, on the components whose options the schemas accepted.
  const known = [...issues];
  const within = (path: string, at: string) => path === at || path.startsWith(`${at}.`) || path.startsWith(`${at}[`);
  const checked = componentIssues(substituted as Parameters<typeof componentIssues>[0], registry, {
    skip: (at) => known.some((issue) => within(issue.path, at)),
    resolvePaths: (schema, options) => resolvePathOptions(schema, options, dirname(source)),
  });
  // A value left as its unset ${env:…} reference (a command that does not need it) is not judged.
  issues.push(...checked.filter((issue) => !envPaths.has(issue.path)));
  if (issues.length > 0) throw new ConfigInvalidError(source, issues);

  resolvePaths(substituted as unknown as ResolvedConfig, registry, dirname(source));
  const config = deepFreeze(substituted as unknown as ResolvedConfig);
  return { source, config, registry, secrets: collectSecrets(config, registry), warnings };
}
