import { dirname, resolve } from 'node:path';
import { readFile } from 'node:fs/promises';
import { composeSchema, formatIssue, loadPlugins } from '@ferry/host';
import { EXIT } from '../exit-codes.js';
import { pluginSearchPath } from '../plugins.js';

/**
 * `ferry schema`: the composed JSON Schema of every installed component (plus the plugins
 * a config lists, with --config), for editors through `"$schema"`.
 */
export async function schema(options: { config?: string }): Promise<number> {
  let explicit: string[] = [];
  let baseDirectory = process.cwd();
  if (options.config !== undefined) {
    const file = resolve(options.config);
    baseDirectory = dirname(file);
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as { plugins?: unknown };
      if (Array.isArray(parsed.plugins)) explicit = parsed.plugins.filter((p): p is string => typeof p === 'string');
    } catch (error) {
      process.stderr.write(`ferry: cannot read plugins from ${file}: ${(error as Error).message}\n`);
      return EXIT.invalidConfig;
    }
  }
  const { registry, issues, warnings } = await loadPlugins({ explicit, baseDirectory, discoverFrom: pluginSearchPath() });
  for (const issue of [...issues, ...warnings]) process.stderr.write(`ferry: warning: ${formatIssue(issue)}\n`);
  process.stdout.write(`${JSON.stringify(composeSchema(registry), null, 2)}\n`);
  return EXIT.ok;
}
