import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createBatch, type Batch, type FerryEvent } from '@ferry/sdk';
import { createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import definition from './index.js';

export async function tempDirectory(): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'ferry-file-'));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

export function makeEvents(count: number, from = 0): FerryEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `evt_${String(from + i).padStart(8, '0')}`,
    type: i % 2 === 0 ? 'grant.created' : 'budget.exhausted',
    createdAt: '2026-03-01T12:00:00.000Z',
    data: { n: from + i, agentId: `ag_${i % 3}`, note: 'héllo "quoted"' },
  }));
}

export const RECEIVED_AT = Date.parse('2026-03-01T12:00:00.123Z');

export function makeBatch(events: readonly FerryEvent[], firstSeq = 42, receivedAt = RECEIVED_AT): Batch {
  return createBatch({ events, receivedAt, firstSeq });
}

export function createExporter(config: unknown) {
  const resolved = resolveConfig(definition.configSchema, config);
  const context = createTestContext(resolved, { id: 'file' });
  return { exporter: definition.create(context), context };
}

export function attempt(signal = new AbortController().signal) {
  return { signal, attempt: 1 };
}

/** Every file under `root` (relative paths, sorted), hidden ones included. */
export async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
}

/** Polls until `check` holds, failing with `what` after the deadline. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
