import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ComponentDefinition } from '../index.js';
import { currentOptionsSection, pluginOptionsSection, withOptionsSection } from './readme.js';

interface Manifest {
  readonly name?: string;
  readonly main?: string;
  readonly exports?: string | { readonly '.'?: string | { readonly default?: string; readonly import?: string } };
}

/** The module a package's `import` loads (its built JavaScript). */
function entryOf(manifest: Manifest): string {
  const root = typeof manifest.exports === 'object' ? manifest.exports['.'] : manifest.exports;
  const entry = typeof root === 'object' ? (root.import ?? root.default) : root;
  return entry ?? manifest.main ?? 'index.js';
}

function isDefinition(value: unknown): value is ComponentDefinition {
  return typeof value === 'object' && value !== null && ['receiver', 'processor', 'exporter'].includes(String((value as { kind?: unknown }).kind));
}

/**
 * `ferry-plugin-readme [--check]`, run in a plugin package after it is built: writes the
 * option table of its definition (the default export of its entry) between the README's
 * `<!-- options:start -->` and `<!-- options:end -->` markers; with `--check`, only says
 * whether the README is up to date (exit 1 when not).
 */
export async function main(argv: readonly string[], cwd: string = process.cwd()): Promise<number> {
  const check = argv.includes('--check');
  const manifest = JSON.parse(await readFile(join(cwd, 'package.json'), 'utf8')) as Manifest;
  const entry = resolve(cwd, entryOf(manifest));
  const exported = ((await import(pathToFileURL(entry).href)) as { default?: unknown }).default;
  if (!isDefinition(exported)) {
    process.stderr.write(`ferry-plugin-readme: ${entry} does not default-export a component definition (build the package first)\n`);
    return 1;
  }
  const file = join(cwd, 'README.md');
  const readme = await readFile(file, 'utf8');
  const section = pluginOptionsSection(exported);
  if (currentOptionsSection(readme) === section.trim()) return 0;
  if (check) {
    process.stderr.write(`ferry-plugin-readme: the option table in ${file} is out of date with the schema; run ferry-plugin-readme (npm run build does)\n`);
    return 1;
  }
  await writeFile(file, withOptionsSection(readme, section));
  process.stdout.write(`ferry-plugin-readme: wrote the option table of ${exported.kind} "${exported.type}" into ${file}\n`);
  return 0;
}
