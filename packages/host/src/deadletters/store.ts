import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { FerryEvent, Logger } from '@ferry/sdk';
import type { DeadLetter, DeadLetterSink } from '../delivery/dead-letters.js';
import { safeName } from '../collector/context.js';
import { describeStorageError } from '../log/disk/disk-errors.js';
import { wait } from '../delivery/wait.js';

/** One dead-lettered event as kept on disk: one JSON line each. */
export interface DeadLetterEntry {
  readonly at: string;
  readonly exporter: string;
  readonly pipeline: string;
  readonly reason: string;
  readonly event: FerryEvent;
}

const LIVE_SUFFIX = '.ndjson';
const REPLAY_MARK = '.replaying-';
/** Lines of dead-letter files that could not be read, kept aside by a replay (never dropped). */
const UNREADABLE_SUFFIX = '.unreadable';

export function deadLetterDirectory(storageDirectory: string): string {
  return join(storageDirectory, 'deadletters');
}

function liveFile(directory: string, exporter: string): string {
  return join(directory, `${safeName(exporter)}${LIVE_SUFFIX}`);
}

/**
 * Dead letters kept on disk, one file per exporter, each line the event with why and when
 * it was given up. A letter is fsynced before the exporter's cursor moves past its
 * events, so a crash cannot lose it; a failing write is retried (the exporter waits).
 */
export class DiskDeadLetters implements DeadLetterSink {
  readonly #directory: string;
  readonly #logger: Logger;
  readonly #signal: AbortSignal;
  #ready: Promise<unknown> | undefined;

  constructor(storageDirectory: string, logger: Logger, signal: AbortSignal) {
    this.#directory = deadLetterDirectory(storageDirectory);
    this.#logger = logger;
    this.#signal = signal;
  }

  async add(letter: DeadLetter): Promise<void> {
    const at = new Date().toISOString();
    const body = letter.batch.lines
      .map((line) => `{"at":${JSON.stringify(at)},"exporter":${JSON.stringify(letter.exporter)},"pipeline":${JSON.stringify(letter.pipeline)},"reason":${JSON.stringify(letter.reason)},"event":${line}}\n`)
      .join('');
    for (let delay = 500; ; delay = Math.min(delay * 2, 10_000)) {
      try {
        this.#ready ??= mkdir(this.#directory, { recursive: true });
        await this.#ready;
        const handle = await open(liveFile(this.#directory, letter.exporter), 'a');
        try {
          await handle.appendFile(body);
          await handle.datasync();
        } finally {
          await handle.close();
        }
        return;
      } catch (error) {
        this.#ready = undefined;
        this.#logger.error(`cannot keep dead letters: ${describeStorageError(error, this.#directory)}; retrying (the exporter waits, nothing is dropped)`);
        if (this.#signal.aborted) throw error;
        await wait(delay, this.#signal);
      }
    }
  }
}

export interface DeadLetterFile {
  readonly exporter: string;
  readonly path: string;
  /** A file being replayed (left over if a replay was interrupted). */
  readonly replaying: boolean;
}

/** The dead-letter files in a storage directory. */
export async function deadLetterFiles(storageDirectory: string): Promise<DeadLetterFile[]> {
  const directory = deadLetterDirectory(storageDirectory);
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith(LIVE_SUFFIX) || n.includes(REPLAY_MARK))
    .sort()
    .map((name) => {
      const replaying = name.includes(REPLAY_MARK);
      const base = replaying ? name.slice(0, name.indexOf(REPLAY_MARK)) : name.slice(0, -LIVE_SUFFIX.length);
      return { exporter: base, path: join(directory, name), replaying };
    });
}

/** Where a replay keeps the lines of an exporter's dead letters it could not read. */
export function unreadableFile(storageDirectory: string, exporter: string): string {
  return join(deadLetterDirectory(storageDirectory), `${safeName(exporter)}${UNREADABLE_SUFFIX}`);
}

/** Dead-letter lines a replay could not read, kept per exporter: where, and how many lines. */
export async function unreadableFiles(storageDirectory: string): Promise<Array<{ exporter: string; path: string; lines: number }>> {
  const directory = deadLetterDirectory(storageDirectory);
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return [];
  }
  const found: Array<{ exporter: string; path: string; lines: number }> = [];
  for (const name of names.filter((n) => n.endsWith(UNREADABLE_SUFFIX)).sort()) {
    const path = join(directory, name);
    let lines = 0;
    for await (const line of createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity })) if (line.trim() !== '') lines++;
    found.push({ exporter: name.slice(0, -UNREADABLE_SUFFIX.length), path, lines });
  }
  return found;
}

/** Streams the entries of one file; a line that cannot be read is handed to `onBadLine`, not fatal. */
export async function* readDeadLetters(path: string, onBadLine: (line: number, text: string) => void = () => {}): AsyncGenerator<DeadLetterEntry> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let number = 0;
  for await (const line of lines) {
    number++;
    if (line.trim() === '') continue;
    let entry: DeadLetterEntry;
    try {
      entry = JSON.parse(line) as DeadLetterEntry;
    } catch {
      onBadLine(number, line);
      continue;
    }
    yield entry;
  }
}

/** Moves an exporter's live file aside for a replay; new dead letters start a fresh live file. */
export async function takeForReplay(file: DeadLetterFile): Promise<string> {
  if (file.replaying) return file.path;
  const target = `${file.path.slice(0, -LIVE_SUFFIX.length)}${REPLAY_MARK}${Date.now()}`;
  await rename(file.path, target);
  return target;
}

export async function removeReplayed(path: string): Promise<void> {
  await rm(path, { force: true });
}
