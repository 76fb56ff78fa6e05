import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ferry, ROOT, runFerry, type FerryProcess } from '../test/support/ferry-process.js';
import { peakRss } from '../test/support/ports.js';

export { ferry, runFerry, peakRss };
export type { FerryProcess };

export async function scratch(): Promise<{ dir: string; config(value: unknown): Promise<string>; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-bench-'));
  return {
    dir,
    async config(value) {
      const path = join(dir, 'config.json');
      await writeFile(path, JSON.stringify(value));
      return path;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
export const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

/** The `ferry` binary's script, which tools that run it under `node` themselves start. */
export const FERRY_SCRIPT = join(ROOT, 'packages', 'cli', 'bin', 'ferry.js');

/**
 * The V8 flags the binary's shebang gives node (its heap settings): a tool that spawns
 * `node … ferry.js` itself, to add flags of its own, passes these too, so that it measures
 * the collector as shipped.
 */
export function binaryNodeFlags(): string[] {
  const shebang = readFileSync(FERRY_SCRIPT, 'utf8').split('\n', 1)[0] ?? '';
  return shebang.split(/\s+/).filter((part) => part.startsWith('--'));
}
