import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ferry, runFerry, type FerryProcess } from '../test/support/ferry-process.js';
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
