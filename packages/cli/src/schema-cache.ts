import { homedir } from 'node:os';
import { join } from 'node:path';
import { setSchemaCacheDirectory } from '@ferry/sdk';

/**
 * Keeps compiled config validators between starts (see the SDK's compileConfigSchema): in
 * `FERRY_CACHE_DIR`, else `$XDG_CACHE_HOME/ferry`, else `~/.cache/ferry`. `FERRY_CACHE_DIR=off`
 * turns it off. A start with an unchanged config and plugins then skips ajv's compile.
 */
export function useSchemaCache(env: NodeJS.ProcessEnv = process.env): void {
  const chosen = env.FERRY_CACHE_DIR;
  if (chosen === 'off') return setSchemaCacheDirectory(undefined);
  const base = chosen !== undefined && chosen !== '' ? chosen : join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ferry');
  setSchemaCacheDirectory(join(base, 'schemas'));
}
