import { closeSync, existsSync, openSync, readdirSync, readFileSync, renameSync, truncateSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Where a snapshot points: the generation of the seen-ids file and how many of its bytes count. */
export interface SeenPosition {
  readonly gen: number;
  readonly bytes: number;
}

const PATTERN = /^seen-(\d+)\.log$/;

/**
 * The seen ids on disk: an append-only file of `<ms>\t<json id>` lines, rewritten with only
 * the live ids when it grows. Written before the events are appended to the pipeline's log;
 * the log's record stores `{gen, bytes}`, so at a restart the file is cut back to what the
 * log actually accepted — an id whose event never became durable is forgotten, and its
 * retry is not mistaken for a duplicate.
 */
export class SeenFile {
  readonly #directory: string;
  #gen = 0;
  #bytes = 0;
  #lines = 0;
  #fd: number | undefined;

  constructor(directory: string) {
    this.#directory = directory;
  }

  #path(gen: number): string {
    return join(this.#directory, `seen-${gen}.log`);
  }

  get position(): SeenPosition {
    return { gen: this.#gen, bytes: this.#bytes };
  }
  get lines(): number {
    return this.#lines;
  }

  /** Loads what the last durable append knew (nothing without a position) and reopens for appending. */
  load(position: SeenPosition | undefined): Array<{ time: number; key: string }> {
    const entries: Array<{ time: number; key: string }> = [];
    const generations = readdirSync(this.#directory).map((n) => PATTERN.exec(n)).filter((m): m is RegExpExecArray => m !== null).map((m) => Number(m[1]));
    if (position !== undefined && existsSync(this.#path(position.gen))) {
      const path = this.#path(position.gen);
      const text = readFileSync(path).subarray(0, position.bytes).toString('utf8');
      // After a power loss the file may be shorter than the log remembers: keep what is whole.
      const whole = text.slice(0, text.lastIndexOf('\n') + 1);
      truncateSync(path, Buffer.byteLength(whole));
      for (const line of whole.split('\n')) {
        if (line === '') continue;
        const tab = line.indexOf('\t');
        entries.push({ time: Number(line.slice(0, tab)), key: JSON.parse(line.slice(tab + 1)) as string });
      }
      this.#gen = position.gen;
      this.#bytes = Buffer.byteLength(whole);
    } else {
      this.#gen = Math.max(0, ...generations) + 1;
      this.#bytes = 0;
    }
    for (const gen of generations) if (gen !== this.#gen) unlinkSync(this.#path(gen));
    this.#lines = entries.length;
    this.#fd = openSync(this.#path(this.#gen), 'a');
    return entries;
  }

  append(text: string, lines: number): void {
    if (this.#fd === undefined || text === '') return;
    this.#bytes += writeSync(this.#fd, text);
    this.#lines += lines;
  }

  /** Starts a new generation holding only `live` lines; the previous one stays until a restart no longer needs it. */
  compact(live: string, lines: number): void {
    if (this.#fd === undefined) return;
    const next = this.#gen + 1;
    const temp = `${this.#path(next)}.tmp`;
    const fd = openSync(temp, 'w');
    writeSync(fd, live);
    closeSync(fd);
    renameSync(temp, this.#path(next));
    closeSync(this.#fd);
    if (existsSync(this.#path(this.#gen - 1))) unlinkSync(this.#path(this.#gen - 1));
    this.#gen = next;
    this.#bytes = Buffer.byteLength(live);
    this.#lines = lines;
    this.#fd = openSync(this.#path(next), 'a');
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}
