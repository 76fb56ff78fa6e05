import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/load.js';
import type { LoadedConfig } from '../config/types.js';
import { writeJson } from './fixtures.js';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Paths of the test plugins, for a config's `plugins` list. */
export const TEST_PLUGINS = ['memory-exporter.ts', 'list-receiver.ts', 'tag-processor.ts'].map((f) => join(here, 'plugins', f));

/** Writes a config (with the test plugins) into `directory` and loads it as `ferry run` would. */
export async function loadTestConfig(directory: string, config: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): Promise<LoadedConfig> {
  const file = await writeJson(join(directory, `config-${Math.random().toString(36).slice(2)}.json`), { plugins: TEST_PLUGINS, ...config });
  return loadConfig({ file, env, discoverFrom: [] });
}
