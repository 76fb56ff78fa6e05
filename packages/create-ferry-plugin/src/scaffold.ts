import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SDK_RANGE } from '@ferry/sdk';
import type { PluginNames } from './names.js';

// Beside src/ and dist/ alike, so the same path works from the sources and the build.
const TEMPLATES = fileURLToPath(new URL('../templates/', import.meta.url));

/** The words the templates hold in place of a plugin's names: valid TypeScript, so the templates build and test in Ferry's repository as they are. */
const TYPE_TOKEN = 'template_type';
const PACKAGE_TOKEN = 'ferry-template-package';

export interface ScaffoldOptions extends PluginNames {
  /** The folder to write; it must not exist yet, or be empty. */
  readonly directory: string;
  /** The `@ferry/sdk` dependency (default: this SDK's range; a tarball path or `file:` spec while Ferry is not on the registry). */
  readonly sdk?: string;
}

async function filesUnder(directory: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out;
}

async function isEmptyOrMissing(directory: string): Promise<boolean> {
  try {
    if (!(await stat(directory)).isDirectory()) return false;
    return (await readdir(directory)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}

/** The new package's manifest: a Ferry plugin that builds with tsc, tests with vitest and publishes only what it built. */
function manifest(options: ScaffoldOptions): Record<string, unknown> {
  return {
    name: options.packageName,
    version: '0.1.0',
    description: `A Ferry ${options.kind}: ${options.type}.`,
    type: 'module',
    license: 'Apache-2.0',
    keywords: ['ferry', 'ferry-plugin', `ferry-${options.kind}`],
    engines: { node: '>=20.19' },
    exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
    files: ['dist', 'README.md'],
    // What makes Ferry load it from node_modules, and only for a config that uses the type.
    ferry: { plugin: true, [`${options.kind}s`]: [options.type] },
    scripts: {
      build: 'tsc -p tsconfig.json && ferry-plugin-readme',
      test: 'vitest run',
      prepublishOnly: 'npm run build && npm test',
    },
    dependencies: { '@ferry/sdk': options.sdk ?? DEFAULT_SDK_RANGE },
    devDependencies: { '@types/node': '^20.19.0', typescript: '~5.9.3', vitest: '^4.1.0' },
  };
}

/**
 * Writes a new plugin package: the kind's template (a working component, its tests against
 * a local peer and the SDK's conformance kit, a README whose option table is generated from
 * the schema) under the plugin's names, and a package.json that builds, tests and publishes
 * it. Returns the files written, relative to `directory`.
 */
export async function scaffold(options: ScaffoldOptions): Promise<string[]> {
  if (!(await isEmptyOrMissing(options.directory))) throw new Error(`${options.directory} already exists and is not empty: give another name or folder`);
  const written: string[] = [];
  const write = async (path: string, text: string) => {
    const target = join(options.directory, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, text);
    written.push(path);
  };
  for (const root of [join(TEMPLATES, 'common'), join(TEMPLATES, options.kind)]) {
    for (const file of await filesUnder(root)) {
      // npm leaves .gitignore out of packages, so the template keeps it under another name.
      const path = relative(root, file).replace(/(^|\/)_gitignore$/, '$1.gitignore');
      const text = (await readFile(file, 'utf8')).replaceAll(TYPE_TOKEN, options.type).replaceAll(PACKAGE_TOKEN, options.packageName);
      await write(path, text);
    }
  }
  await write('package.json', `${JSON.stringify(manifest(options), null, 2)}\n`);
  return written.sort();
}
