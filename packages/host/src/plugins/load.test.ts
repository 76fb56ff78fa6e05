import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_SDK_RANGE } from '@ferry/sdk';
import { loadPlugins } from './load.js';
import { formatIssue } from '../config/issue.js';
import { tempDirectory } from '../testing/fixtures.js';

let dir: { path: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDirectory();
});
afterEach(() => dir.cleanup());

// Each fake plugin records its import here, so a test sees which packages were imported
// (once per test: a temporary directory per test, so no module is cached across tests).
const imported = ((globalThis as { __ferryImported?: string[] }).__ferryImported ??= []);

/** An installed plugin package in `<dir>/node_modules/<name>`, declaring `declares` in its package.json. */
async function installPlugin(name: string, provides: string, declares: Record<string, string[]> | undefined): Promise<void> {
  const root = join(dir.path, 'node_modules', name);
  await mkdir(root, { recursive: true });
  await writeFile(join(root, 'package.json'), JSON.stringify({ name, version: '1.0.0', type: 'module', exports: './index.js', ferry: { plugin: true, ...declares } }));
  const definition = `{ kind: 'exporter', type: '${provides}', description: 'A test exporter.', stability: 'alpha', sdkVersion: '${DEFAULT_SDK_RANGE}', configSchema: { type: 'object', properties: {} }, create: () => ({ export: async () => {} }) }`;
  await writeFile(join(root, 'index.js'), `globalThis.__ferryImported.push('${name}');\nexport default ${definition};\n`);
}

async function load(uses?: { exporters: string[] }) {
  imported.length = 0;
  const result = await loadPlugins({ baseDirectory: dir.path, discoverFrom: [dir.path], ...(uses ? { uses } : {}) });
  return { ...result, imported: [...imported].sort() };
}

describe('loading installed plugins', () => {
  it('imports only the packages that provide a type the config uses, when they declare their types', async () => {
    await installPlugin('ferry-alpha', 'alpha', { exporters: ['alpha'] });
    await installPlugin('ferry-beta', 'beta', { exporters: ['beta'] });
    await installPlugin('ferry-undeclared', 'gamma', undefined);
    const selected = await load({ exporters: ['alpha'] });
    expect(selected.imported).toEqual(['ferry-alpha', 'ferry-undeclared']);
    expect(selected.registry.types('exporter')).toEqual(['alpha', 'gamma']);
    // Without a selection (`ferry components`, `ferry schema`), every package.
    expect((await load()).registry.types('exporter')).toEqual(['alpha', 'beta', 'gamma']);
  });

  it('imports every package when a used type is still missing, so its error lists every installed type', async () => {
    await installPlugin('ferry-alpha', 'alpha', { exporters: ['alpha'] });
    await installPlugin('ferry-beta', 'beta', { exporters: ['beta'] });
    const typo = await load({ exporters: ['alpah'] });
    expect(typo.imported).toEqual(['ferry-alpha', 'ferry-beta']);
    expect(typo.registry.types('exporter')).toEqual(['alpha', 'beta']);
  });

  it('warns about a package whose declaration is not what it provides', async () => {
    await installPlugin('ferry-wrong', 'delta', { exporters: ['epsilon'] });
    const wrong = await load({ exporters: ['delta'] });
    expect(wrong.registry.types('exporter')).toEqual(['delta']);
    expect(wrong.warnings.map(formatIssue)).toEqual([
      '(config): installed plugin ferry-wrong declares exporter "epsilon" in its package.json "ferry" field but provides exporter "delta"; Ferry may not load it when a config needs it',
    ]);
  });
});
