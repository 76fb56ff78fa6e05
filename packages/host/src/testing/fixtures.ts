import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FerryEvent } from '@ferry/sdk';

/** A temporary directory removed by the returned cleanup. */
export async function tempDirectory(prefix = 'ferry-test-'): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

export async function writeJson(path: string, value: unknown): Promise<string> {
  await writeFile(path, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return path;
}

export function makeEvents(count: number, from = 0, type = 'grant.created'): FerryEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `evt_${String(from + i).padStart(8, '0')}`,
    type,
    createdAt: '2026-03-01T12:00:00Z',
    data: { n: from + i, grantId: `grnt_${from + i}` },
  }));
}

/** Polls until `check` holds, failing with `what` after the deadline. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
