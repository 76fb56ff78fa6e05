import { closeSync, mkdirSync, openSync, readdirSync, readSync, renameSync, truncateSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@ferry/sdk';

/** Where a snapshot points: the generation of the seen-ids file and how many of its bytes count. */
export interface SeenPosition {
  readonly gen: number;
  readonly bytes: number;
}

const FILE_NAME = /^seen-(\d+)\.log(\.tmp)?$/;
/** The file is rewritten once it holds this many lines more than twice the live ids. */
const COMPACT_SLACK_LINES = 10_000;
const CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;

/** One line of the file: `<ms since the epoch>\t<the id as a JSON string>\n`. */
export function seenLine(key: string, time: number): string {
  return `${time}\t${JSON.stringify(key)}\n`;
}

function parseLine(line: string): { key: string; time: number } | undefined {
  const tab = line.indexOf('\t');
  if (tab <= 0) return undefined;
  const time = Number(line.slice(0, tab));
  if (!Number.isFinite(time)) return undefined;
  try {
    const key: unknown = JSON.parse(line.slice(tab + 1));
    return typeof key === 'string' ? { key, time } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The seen ids on disk: a file of `seenLine`s, appended to once per append of the
 * pipeline's log, and rewritten with only the live ids (a new generation) when it grows.
 * The log's records store `{gen, bytes}`, so at a restart the file is cut back to what the
 * log accepted. Never fsynced, and a failing disk only costs persistence: reads skip what
 * they cannot parse, writes that fail are logged and the ids stay in memory.
 */
export class SeenFile {
  readonly #directory: string;
  readonly #logger: Logger;
  #gen = 0;
  #bytes = 0;
  #lines = 0;
  #fd: number | undefined;
  #failing = false;
  /** After a failed compaction, the next one waits until the file has grown again. */
  #compactAtLines = 0;

  constructor(directory: string, logger: Logger) {
    this.#directory = directory;
    this.#logger = logger;
  }

  get position(): SeenPosition {
    return { gen: this.#gen, bytes: this.#bytes };
  }

  /** Lines in the current generation, live or not (what compaction is measured against). */
  get lines(): number {
    return this.#lines;
  }

  /** Whether the file has grown past about twice the `live` ids it needs to hold. */
  shouldCompact(live: number): boolean {
    return this.#lines > 2 * live + COMPACT_SLACK_LINES && this.#lines > this.#compactAtLines;
  }

  #path(gen: number): string {
    return join(this.#directory, `seen-${gen}.log`);
  }

  /**
   * Opens the generation `position` points at, cut back to its `bytes`, giving each entry to
   * `each` (oldest first). Without a position — the log never recorded one, so none of the
   * ids in any file was accepted — or when that generation is gone, starts an empty one.
   * Every other generation is deleted.
   */
  open(position: SeenPosition | undefined, each: (key: string, time: number) => void): void {
    mkdirSync(this.#directory, { recursive: true });
    const found = readdirSync(this.#directory).filter((name) => FILE_NAME.test(name));
    const wanted = position === undefined ? undefined : `seen-${position.gen}.log`;
    if (position !== undefined && wanted !== undefined && found.includes(wanted)) {
      const path = this.#path(position.gen);
      const { bytes, lines, skipped } = readLines(path, position.bytes, each);
      truncateSync(path, bytes);
      if (skipped > 0) this.#logger.warn('unreadable lines in the seen-ids file skipped (after a power loss?); those ids may let a duplicate through', { file: path, skipped });
      this.#gen = position.gen;
      this.#bytes = bytes;
      this.#lines = lines;
      this.#fd = openSync(path, 'r+');
    } else {
      if (position !== undefined) this.#logger.warn('the seen-ids file the pipeline log points at is missing; starting with no ids remembered', { file: this.#path(position.gen) });
      const generations = found.map((name) => Number(FILE_NAME.exec(name)?.[1]));
      this.#gen = Math.max(0, ...generations) + 1;
      this.#bytes = 0;
      this.#lines = 0;
      this.#fd = openSync(this.#path(this.#gen), 'w');
    }
    for (const name of found) if (name !== `seen-${this.#gen}.log`) unlinkSync(join(this.#directory, name));
  }

  /** Appends lines at the current position; a failed write is overwritten by the next one. */
  append(text: string, lines: number): void {
    if (this.#fd === undefined || text === '') return;
    const buffer = Buffer.from(text);
    try {
      writeFully(this.#fd, buffer, this.#bytes);
    } catch (error) {
      this.#failed(error);
      return;
    }
    this.#bytes += buffer.length;
    this.#lines += lines;
    if (this.#failing) this.#logger.info('the seen-ids file is writable again');
    this.#failing = false;
  }

  /**
   * Starts a new generation holding only the live entries. The previous generation stays
   * (a restart before the log records the new position still needs it); the one before is
   * deleted.
   */
  compact(entries: Iterable<[key: string, time: number]>, count: number): void {
    if (this.#fd === undefined) return;
    const next = this.#gen + 1;
    const temp = `${this.#path(next)}.tmp`;
    let bytes = 0;
    try {
      const fd = openSync(temp, 'w');
      try {
        let chunk = '';
        for (const [key, time] of entries) {
          chunk += seenLine(key, time);
          if (chunk.length >= CHUNK_BYTES) {
            bytes += writeFully(fd, Buffer.from(chunk), bytes);
            chunk = '';
          }
        }
        bytes += writeFully(fd, Buffer.from(chunk), bytes);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, this.#path(next));
    } catch (error) {
      try {
        unlinkSync(temp);
      } catch {
        // nothing to clean up
      }
      this.#failed(error);
      this.#compactAtLines = this.#lines + COMPACT_SLACK_LINES;
      return;
    }
    closeSync(this.#fd);
    try {
      unlinkSync(this.#path(this.#gen - 1));
    } catch {
      // already gone
    }
    this.#gen = next;
    this.#bytes = bytes;
    this.#lines = count;
    this.#fd = openSync(this.#path(next), 'r+');
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #failed(error: unknown): void {
    if (!this.#failing) {
      this.#logger.error('cannot write the seen-ids file; ids are remembered in memory only until it works again (a restart meanwhile may let duplicates through)', {
        directory: this.#directory,
        error: (error as NodeJS.ErrnoException).code ?? (error as Error).message,
      });
    }
    this.#failing = true;
  }
}

function writeFully(fd: number, buffer: Buffer, position: number): number {
  let done = 0;
  while (done < buffer.length) done += writeSync(fd, buffer, done, buffer.length - done, position + done);
  return buffer.length;
}

/**
 * Reads whole lines of the first `limit` bytes in chunks (a file of a million ids is never
 * held at once). A file shorter than `limit` (a power loss took its end) is read as far as
 * it goes; what follows the last newline does not count.
 */
function readLines(path: string, limit: number, each: (key: string, time: number) => void): { bytes: number; lines: number; skipped: number } {
  const fd = openSync(path, 'r');
  let bytes = 0;
  let lines = 0;
  let skipped = 0;
  try {
    let carry = Buffer.alloc(0);
    let offset = 0;
    const chunk = Buffer.alloc(CHUNK_BYTES);
    while (offset < limit) {
      const read = readSync(fd, chunk, 0, Math.min(CHUNK_BYTES, limit - offset), offset);
      if (read === 0) break;
      offset += read;
      const data = carry.length === 0 ? chunk.subarray(0, read) : Buffer.concat([carry, chunk.subarray(0, read)]);
      const end = data.lastIndexOf(NEWLINE);
      if (end === -1) {
        carry = Buffer.from(data);
        continue;
      }
      for (const line of data.toString('utf8', 0, end).split('\n')) {
        const entry = parseLine(line);
        if (entry === undefined) skipped++;
        else each(entry.key, entry.time);
        lines++;
      }
      bytes = offset - data.length + end + 1;
      carry = Buffer.from(data.subarray(end + 1));
    }
  } finally {
    closeSync(fd);
  }
  return { bytes, lines, skipped };
}
