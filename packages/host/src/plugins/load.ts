import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { resolve as resolveSpecifier } from 'import-meta-resolve';
import semver from 'semver';
import { SDK_VERSION, type ComponentDefinition } from '@ferry/sdk';
import type { ConfigIssue } from '../config/issue.js';
import { discoverPluginPackages, readPackageJson, type DeclaredTypes, type PluginPackage } from './discover.js';
import { declarationMismatch, isNeeded, missingTypes } from './declared.js';
import { Registry, type PluginOrigin } from './registry.js';
import { pluginLoadHint } from './load-hints.js';

export interface LoadPluginsOptions {
  /** The config's `plugins` list: npm package names or paths (relative to `baseDirectory`). */
  readonly explicit?: readonly string[];
  /** Where relative paths and package names of `explicit` are resolved from (the config's directory). */
  readonly baseDirectory: string;
  /** Directories whose node_modules (and those above) are searched for installed plugins. */
  readonly discoverFrom: readonly string[];
  /**
   * The component types a config uses. Installed packages that declare what they provide
   * (`"ferry": { "exporters": ["s3"] }`) and provide none of these are not imported: a
   * command pays only for the plugins its config needs. Default: import every plugin.
   */
  readonly uses?: DeclaredTypes;
}

export interface LoadPluginsResult {
  readonly registry: Registry;
  /** Problems with plugins the config names: the config cannot be used. */
  readonly issues: ConfigIssue[];
  /** Installed plugins that could not be loaded: only a problem if the config uses them. */
  readonly warnings: ConfigIssue[];
}

const KINDS = new Set(['receiver', 'processor', 'exporter']);

function isDefinition(value: unknown): value is ComponentDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<ComponentDefinition>;
  return (
    typeof candidate.kind === 'string' &&
    KINDS.has(candidate.kind) &&
    typeof candidate.type === 'string' &&
    typeof candidate.create === 'function' &&
    typeof candidate.configSchema === 'object'
  );
}

function definitionsOf(moduleValue: unknown): ComponentDefinition[] | undefined {
  const exported = (moduleValue as { default?: unknown }).default;
  const list = Array.isArray(exported) ? (exported as unknown[]) : [exported];
  return list.length > 0 && list.every(isDefinition) ? (list as ComponentDefinition[]) : undefined;
}

let typeScriptLoader: Promise<void> | undefined;

/**
 * Plugins may be TypeScript files named by path (the README's custom exporter): tsx is
 * registered the first time one is loaded, and only then, since its loader thread costs
 * memory a collector of compiled plugins does not need to pay.
 */
function typeScriptSupport(modulePath: string): Promise<void> {
  if (!/\.[cm]?tsx?$/.test(modulePath)) return Promise.resolve();
  typeScriptLoader ??= import('tsx/esm/api').then(({ register }) => {
    register();
  });
  return typeScriptLoader;
}

async function importModule(modulePath: string, label: string, path: string, issues: ConfigIssue[]): Promise<ComponentDefinition[]> {
  let moduleValue: unknown;
  try {
    await typeScriptSupport(modulePath);
    moduleValue = await import(pathToFileURL(modulePath).href);
  } catch (error) {
    const hint = pluginLoadHint(error, modulePath);
    issues.push({ path, code: 'FERRY_CONFIG_PLUGIN', problem: `plugin ${label} failed to load: ${(error as Error).message}`, ...(hint === undefined ? {} : { hint }) });
    return [];
  }
  const definitions = definitionsOf(moduleValue);
  if (definitions === undefined) {
    issues.push({
      path,
      code: 'FERRY_CONFIG_PLUGIN',
      problem: `plugin ${label} does not default-export a component definition`,
      expected: 'export default defineReceiver(...), defineProcessor(...) or defineExporter(...)',
    });
    return [];
  }
  const compatible: ComponentDefinition[] = [];
  for (const definition of definitions) {
    if (semver.validRange(definition.sdkVersion) === null || !semver.satisfies(SDK_VERSION, definition.sdkVersion)) {
      issues.push({
        path,
        code: 'FERRY_CONFIG_PLUGIN',
        problem: `plugin ${label} (${definition.kind} "${definition.type}") was built for @ferry/sdk ${definition.sdkVersion}, but this Ferry provides @ferry/sdk ${SDK_VERSION}`,
        hint: `install a release of ${label} made for @ferry/sdk ${SDK_VERSION}`,
      });
      continue;
    }
    compatible.push(definition);
  }
  return compatible;
}

async function entryOf(directory: string): Promise<string> {
  const pkg = await readPackageJson(directory);
  if (pkg?.name === undefined) throw new Error(`no package.json with a name in ${directory}`);
  // Resolve the package through its own exports map, as Node's ESM loader would.
  return fileURLToPath(resolveSpecifier(pkg.name, pathToFileURL(`${directory}/`).href));
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function loadExplicit(specifier: string, index: number, baseDirectory: string, registry: Registry, issues: ConfigIssue[]): Promise<void> {
  const path = `plugins[${index}]`;
  const isPath = specifier.startsWith('.') || isAbsolute(specifier);
  let modulePath: string;
  let packageName = specifier;
  let version = '-';
  try {
    if (isPath) {
      const target = resolve(baseDirectory, specifier);
      if (await isDirectory(target)) {
        const pkg = await readPackageJson(target);
        packageName = pkg?.name ?? specifier;
        version = pkg?.version ?? '-';
        modulePath = await entryOf(target);
      } else {
        await stat(target);
        modulePath = target;
      }
    } else {
      modulePath = fileURLToPath(resolveSpecifier(specifier, pathToFileURL(`${baseDirectory}/`).href));
      const pkg = await readPackageJson(await packageRootOf(modulePath, specifier));
      version = pkg?.version ?? '-';
    }
  } catch {
    issues.push({
      path,
      code: 'FERRY_CONFIG_PLUGIN',
      problem: `plugin "${specifier}" cannot be found`,
      hint: isPath ? `no file or package at ${resolve(baseDirectory, specifier)}` : `install it with: pnpm add ${specifier}`,
    });
    return;
  }
  const origin: PluginOrigin = { packageName, version, module: modulePath, explicit: true };
  for (const definition of await importModule(modulePath, `"${specifier}"`, path, issues)) registry.add(definition, origin);
}

async function packageRootOf(modulePath: string, name: string): Promise<string> {
  let current = dirname(modulePath);
  for (;;) {
    const pkg = await readPackageJson(current);
    if (pkg?.name === name) return current;
    const parent = dirname(current);
    if (parent === current) return dirname(modulePath);
    current = parent;
  }
}

async function loadDiscovered(pkg: PluginPackage, registry: Registry, issues: ConfigIssue[]): Promise<void> {
  let modulePath: string;
  try {
    modulePath = await entryOf(pkg.directory);
  } catch (error) {
    issues.push({ path: '', code: 'FERRY_CONFIG_PLUGIN', problem: `installed plugin ${pkg.name} cannot be resolved: ${(error as Error).message}` });
    return;
  }
  const origin: PluginOrigin = { packageName: pkg.name, version: pkg.version, module: modulePath, explicit: false };
  const definitions = await importModule(modulePath, pkg.name, '', issues);
  for (const definition of definitions) registry.add(definition, origin);
  const mismatch = declarationMismatch(pkg, definitions);
  if (mismatch !== undefined) issues.push({ path: '', code: 'FERRY_CONFIG_PLUGIN', problem: mismatch });
}

/**
 * Builds the registry: plugins named in the config first, then every installed package
 * that declares itself a Ferry plugin. Problems are returned as config issues, never thrown.
 */
export async function loadPlugins(options: LoadPluginsOptions): Promise<LoadPluginsResult> {
  const registry = new Registry();
  const issues: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const explicit = options.explicit ?? [];
  for (const [index, specifier] of explicit.entries()) await loadExplicit(specifier, index, options.baseDirectory, registry, issues);
  const discovered = await discoverPluginPackages(options.discoverFrom);
  const uses = options.uses;
  const first = uses === undefined ? discovered : discovered.filter((pkg) => isNeeded(pkg, uses));
  await Promise.all(first.map((pkg) => loadDiscovered(pkg, registry, warnings)));
  // A type still missing (a typo, a package that declares wrongly) is looked for everywhere,
  // so its error lists every type installed, exactly as without the selection.
  if (uses !== undefined && missingTypes(registry, uses)) {
    await Promise.all(discovered.filter((pkg) => !first.includes(pkg)).map((pkg) => loadDiscovered(pkg, registry, warnings)));
  }
  return { registry, issues, warnings };
}
