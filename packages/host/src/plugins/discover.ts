import { readdir, readFile, realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { byCodeUnits } from '../util/compare.js';

/** The component types a plugin package says it provides, so it is imported only when a config uses one. */
export interface DeclaredTypes {
  readonly receivers?: readonly string[];
  readonly processors?: readonly string[];
  readonly exporters?: readonly string[];
}

export interface PluginPackage {
  readonly name: string;
  readonly version: string;
  readonly directory: string;
  /** From `"ferry": { "exporters": ["s3"] }` and the like; undefined when the package does not say. */
  readonly declares: DeclaredTypes | undefined;
}

interface PackageJson {
  name?: string;
  version?: string;
  ferry?: { plugin?: boolean } & DeclaredTypes;
}

const SECTIONS = ['receivers', 'processors', 'exporters'] as const;

function declaredTypes(ferry: DeclaredTypes): DeclaredTypes | undefined {
  const declared = Object.fromEntries(SECTIONS.filter((s) => Array.isArray(ferry[s])).map((s) => [s, (ferry[s] ?? []).filter((t) => typeof t === 'string')]));
  return Object.keys(declared).length === 0 ? undefined : declared;
}

export async function readPackageJson(directory: string): Promise<PackageJson | undefined> {
  try {
    return JSON.parse(await readFile(join(directory, 'package.json'), 'utf8')) as PackageJson;
  } catch {
    return undefined;
  }
}

function nodeModulesAbove(start: string): string[] {
  const found: string[] = [];
  let current = start;
  for (;;) {
    found.push(join(current, 'node_modules'));
    const parent = dirname(current);
    if (parent === current) return found;
    current = parent;
  }
}

async function entries(directory: string): Promise<string[]> {
  try {
    return await readdir(directory);
  } catch {
    return [];
  }
}

/**
 * Installed packages that declare themselves Ferry plugins (`"ferry": {"plugin": true}` in
 * their package.json), found in every node_modules above the given directories.
 */
export async function discoverPluginPackages(startDirectories: readonly string[]): Promise<PluginPackage[]> {
  const seen = new Set<string>();
  const found: PluginPackage[] = [];
  const visit = async (candidate: string): Promise<void> => {
    let real: string;
    try {
      real = await realpath(candidate);
    } catch {
      return;
    }
    if (seen.has(real)) return;
    seen.add(real);
    const pkg = await readPackageJson(real);
    if (pkg?.ferry?.plugin === true && typeof pkg.name === 'string') {
      found.push({ name: pkg.name, version: pkg.version ?? '0.0.0', directory: real, declares: declaredTypes(pkg.ferry) });
    }
  };
  const modulesDirs = [...new Set(startDirectories.flatMap(nodeModulesAbove))];
  for (const modules of modulesDirs) {
    const names = await entries(modules);
    const candidates: string[] = [];
    for (const name of names) {
      if (name.startsWith('.')) continue;
      if (name.startsWith('@')) {
        for (const scoped of await entries(join(modules, name))) candidates.push(join(modules, name, scoped));
      } else {
        candidates.push(join(modules, name));
      }
    }
    await Promise.all(candidates.map(visit));
  }
  return found.sort((a, b) => byCodeUnits(a.name, b.name));
}
