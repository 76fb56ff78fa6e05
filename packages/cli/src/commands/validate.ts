import { loadConfig } from '@ferry/host';
import { EXIT } from '../exit-codes.js';
import { reportFailure } from '../output.js';
import { pluginSearchPath } from '../plugins.js';
import { useSchemaCache } from '../schema-cache.js';

/**
 * `ferry validate`: the same checks `run` makes, without starting anything. Secrets usually
 * come from the environment Ferry runs in, not the one a config is checked in, so an unset
 * variable is a warning here (and `run` refuses it).
 */
export async function validate(options: { config: string }): Promise<number> {
  try {
    useSchemaCache();
    const loaded = await loadConfig({ file: options.config, discoverFrom: pluginSearchPath(), envRequiredAt: () => false });
    const pipelines = Object.keys(loaded.config.service.pipelines);
    for (const warning of loaded.warnings) process.stderr.write(`ferry: warning: ${warning}\n`);
    process.stdout.write(`ferry: ${loaded.source} is valid (${pipelines.length} pipeline${pipelines.length === 1 ? '' : 's'}: ${pipelines.join(', ')})\n`);
    return EXIT.ok;
  } catch (error) {
    return reportFailure(error);
  }
}
