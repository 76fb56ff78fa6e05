import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { FerryEvent } from '@ferry/sdk';

export interface ArchiveObject {
  readonly key: string;
  readonly events: FerryEvent[];
}

async function files(directory: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(directory, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(directory, entry.name);
    if (entry.isDirectory()) out.push(...(await files(path)));
    else out.push(path);
  }
  return out;
}

/** Every object of a file archive in key order, decoded (gzip or not). */
export async function readArchive(directory: string): Promise<ArchiveObject[]> {
  const paths = (await files(directory)).sort((a, b) => relative(directory, a).localeCompare(relative(directory, b)));
  const objects: ArchiveObject[] = [];
  for (const path of paths) {
    const raw = await readFile(path);
    const text = (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    objects.push({ key: relative(directory, path), events: text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as FerryEvent) });
  }
  return objects;
}

/** Every record of a file archive as the text stored, in key order. */
export async function readArchiveLines(directory: string): Promise<string[]> {
  const paths = (await files(directory)).sort((a, b) => relative(directory, a).localeCompare(relative(directory, b)));
  const lines: string[] = [];
  for (const path of paths) {
    const raw = await readFile(path);
    lines.push(...(path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8').split('\n').filter(Boolean));
  }
  return lines;
}

export async function archivedEvents(directory: string): Promise<FerryEvent[]> {
  return (await readArchive(directory)).flatMap((o) => o.events);
}

/** The event as the source sent it: without the `ferry` envelope field Ferry adds to archived records. */
export function withoutEnvelope(event: FerryEvent): FerryEvent {
  const { ferry: _ferry, ...rest } = event;
  return rest as FerryEvent;
}

export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
