import { open, readdir, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@ferry/sdk';
import type { CursorLedger, LossRecord } from '../types.js';

const PERSIST_EVERY_MS = 200;
/** Entries appended before the journal is rewritten with only what is still live. */
const COMPACT_AFTER = 2000;
/** Loss records kept for `ferry dlq list`; the count in the ledger is kept whole. */
const KEPT_LOSSES = 100;
const SUFFIX = '.cursor';
const LEGACY_SUFFIX = '.json';

type Entry =
  | { readonly origin: number }
  | { readonly commit: number; readonly delivered: number; readonly deadLettered: number; readonly lost: number }
  | { readonly cut: readonly [number, number] }
  | { readonly loss: LossRecord };

/** What a journal held at open. */
export interface JournalState {
  readonly ledger: CursorLedger;
  /** Batches cut but not committed when the last run stopped, in order: they are cut the same way again. */
  readonly cuts: ReadonlyArray<readonly [number, number]>;
  readonly losses: readonly LossRecord[];
  /** Lines that could not be read (a write torn by a power cut); counted, never fatal. */
  readonly unreadableLines: number;
}

function fileName(name: string): string {
  return `${encodeURIComponent(name)}${SUFFIX}`;
}

function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function parseEntry(line: string): Entry | undefined {
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    if (isInteger(entry.origin)) return { origin: entry.origin };
    if (isInteger(entry.commit) && isInteger(entry.delivered) && isInteger(entry.deadLettered) && isInteger(entry.lost)) {
      return { commit: entry.commit, delivered: entry.delivered, deadLettered: entry.deadLettered, lost: entry.lost };
    }
    const cut = entry.cut;
    if (Array.isArray(cut) && cut.length === 2 && isInteger(cut[0]) && isInteger(cut[1]) && cut[0] < cut[1]) return { cut: [cut[0], cut[1]] };
    const loss = entry.loss as Record<string, unknown> | undefined;
    if (loss !== undefined && isInteger(loss.from) && isInteger(loss.to) && typeof loss.at === 'string' && Array.isArray(loss.stretches)) return { loss: loss as unknown as LossRecord };
  } catch {
    // fall through: unreadable
  }
  return undefined;
}

/** Every journal in `directory`, by exporter, as stored (read only). */
export async function readJournals(directory: string): Promise<Map<string, { path: string; state: JournalState | 'unreadable' }>> {
  const found = new Map<string, { path: string; state: JournalState | 'unreadable' }>();
  let files: string[];
  try {
    files = await readdir(directory);
  } catch {
    return found;
  }
  // Journals first, so that a legacy position beside one is not read over it.
  for (const file of files.sort((a, b) => Number(b.endsWith(SUFFIX)) - Number(a.endsWith(SUFFIX)))) {
    const suffix = file.endsWith(SUFFIX) ? SUFFIX : file.endsWith(LEGACY_SUFFIX) ? LEGACY_SUFFIX : undefined;
    if (suffix === undefined) continue;
    const name = decodeURIComponent(file.slice(0, -suffix.length));
    const path = join(directory, file);
    if (!found.has(name)) found.set(name, { path, state: suffix === SUFFIX ? await readJournal(path) : await readLegacy(path) });
  }
  return found;
}

/**
 * Reads every journal in `directory` for opening the log. Journals of exporters no longer
 * configured are reported and removed; a `<name>.json` left by an older Ferry is read as
 * its position.
 */
export async function loadJournals(directory: string, names: readonly string[], logger: Logger): Promise<Map<string, JournalState | 'unreadable'>> {
  const wanted = new Set(names);
  const found = new Map<string, JournalState | 'unreadable'>();
  for (const [name, { path, state }] of await readJournals(directory)) {
    if (wanted.has(name)) {
      found.set(name, state);
      continue;
    }
    logger.warn(`exporter "${name}" is no longer configured: its place in the log is dropped, and events it had not received will not be sent to it`);
    await unlink(path).catch(() => undefined);
    await unlink(join(directory, `${encodeURIComponent(name)}${LEGACY_SUFFIX}`)).catch(() => undefined);
  }
  return found;
}

async function readLegacy(path: string): Promise<JournalState | 'unreadable'> {
  try {
    const committed = (JSON.parse(await readFile(path, 'utf8')) as { committed?: unknown }).committed;
    if (!isInteger(committed)) return 'unreadable';
    return { ledger: { origin: committed, committed, delivered: 0, deadLettered: 0, lost: 0 }, cuts: [], losses: [], unreadableLines: 0 };
  } catch {
    return 'unreadable';
  }
}

async function readJournal(path: string): Promise<JournalState | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return 'unreadable';
  }
  let origin: number | undefined;
  let commit: Extract<Entry, { commit: number }> | undefined;
  const cuts: Array<readonly [number, number]> = [];
  const losses: LossRecord[] = [];
  let unreadableLines = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const entry = parseEntry(line);
    if (entry === undefined) unreadableLines++;
    else if ('origin' in entry) origin ??= entry.origin;
    else if ('commit' in entry) commit = entry;
    else if ('cut' in entry) cuts.push(entry.cut);
    else losses.push(entry.loss);
  }
  if (origin === undefined && commit === undefined) return 'unreadable';
  const committed = commit?.commit ?? (origin as number);
  const ledger: CursorLedger = {
    origin: origin ?? committed,
    committed,
    delivered: commit?.delivered ?? 0,
    deadLettered: commit?.deadLettered ?? 0,
    lost: commit?.lost ?? 0,
  };
  return { ledger, cuts: liveCuts(cuts, committed), losses, unreadableLines };
}

/**
 * Cuts not yet committed, in order. A cut that starts at or before a cut already listed
 * supersedes it and everything after it: the cursor read that stretch again and cut it
 * anew (after a restart with smaller batch limits, or past damage).
 */
function liveCuts(cuts: ReadonlyArray<readonly [number, number]>, committed: number): Array<readonly [number, number]> {
  const live: Array<readonly [number, number]> = [];
  for (const cut of cuts) addCut(live, cut);
  return live.filter(([from]) => from >= committed);
}

function addCut(live: Array<readonly [number, number]>, cut: readonly [number, number]): void {
  while (live.length > 0 && (live[live.length - 1] as readonly [number, number])[0] >= cut[0]) live.pop();
  live.push(cut);
}

/**
 * One exporter's place in a pipeline's log, kept between runs as an append-only journal
 * (`cursors/<exporter>.cursor`, one JSON entry per line):
 * - its ledger (position and what became of every event before it), written at most every
 *   200 ms: an older position only repeats deliveries (at-least-once), never skips one;
 * - each batch's range, written before the batch is sent, so that after a crash the same
 *   batch is cut again, byte for byte, and lands under the same object key;
 * - each range of events lost to damage, with where the damage was.
 *
 * Writes are not fsynced except by `sync()`: a process crash loses nothing written (the
 * kernel has it); a power cut may lose the newest entries, which again only repeats
 * deliveries. The log calls `sync()` before it deletes a segment, so a position on disk
 * is never older than the oldest segment kept.
 */
export class CursorJournal {
  readonly name: string;
  readonly #path: string;
  readonly #logger: Logger;
  #handle: FileHandle | undefined;
  #ledger: CursorLedger;
  #persisted: CursorLedger;
  #dirty = false;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  #entries = 0;
  #cuts: Array<readonly [number, number]>;
  readonly #losses: LossRecord[];
  #failing = false;
  #closed = false;

  private constructor(directory: string, name: string, logger: Logger, state: JournalState) {
    this.name = name;
    this.#path = join(directory, fileName(name));
    this.#logger = logger;
    this.#ledger = state.ledger;
    this.#persisted = state.ledger;
    this.#cuts = [...state.cuts];
    this.#losses = [...state.losses];
  }

  /** Opens (and rewrites compactly) the journal of `name`, starting from `state`. */
  static async open(directory: string, name: string, logger: Logger, state: JournalState): Promise<CursorJournal> {
    const journal = new CursorJournal(directory, name, logger, state);
    await journal.#compact();
    await unlink(join(directory, `${encodeURIComponent(name)}${LEGACY_SUFFIX}`)).catch(() => undefined);
    return journal;
  }

  /** The ledger as last handed in (it may not be on disk yet). */
  get ledger(): CursorLedger {
    return this.#ledger;
  }

  /** The ledger as last written: what a restart after a crash of the process reads, and the position segments below may be deleted from. */
  get persistedLedger(): CursorLedger {
    return this.#persisted;
  }

  /** Batches cut in an earlier run and not committed, in order. */
  get pendingCuts(): ReadonlyArray<readonly [number, number]> {
    return this.#cuts;
  }

  get losses(): readonly LossRecord[] {
    return this.#losses;
  }

  /** Records a new ledger; written within 200 ms (or at `flush`). Calls `onPersisted` after each write. */
  setLedger(ledger: CursorLedger, onPersisted: () => void): void {
    this.#ledger = ledger;
    this.#dirty = true;
    while (this.#cuts.length > 0 && (this.#cuts[0] as readonly [number, number])[1] <= ledger.committed) this.#cuts.shift();
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      void this.flush().then(onPersisted);
    }, PERSIST_EVERY_MS);
  }

  /** Records a batch's range; resolves once written, before the batch is sent. */
  async cut(from: number, to: number): Promise<void> {
    addCut(this.#cuts, [from, to]);
    await this.#append({ cut: [from, to] });
  }

  async loss(record: LossRecord): Promise<void> {
    this.#losses.push(record);
    if (this.#losses.length > KEPT_LOSSES) this.#losses.splice(0, this.#losses.length - KEPT_LOSSES);
    await this.#append({ loss: record });
  }

  /** Writes the ledger now, if it changed. */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#dirty) return this.#writing;
    this.#dirty = false;
    const ledger = this.#ledger;
    return this.#append({ commit: ledger.committed, delivered: ledger.delivered, deadLettered: ledger.deadLettered, lost: ledger.lost }, ledger);
  }

  /** Flushes and fsyncs, so what is written survives a power cut. */
  async sync(): Promise<void> {
    await this.flush();
    this.#writing = this.#writing.then(async () => {
      await this.#handle?.datasync().catch((error: unknown) => this.#writeFailed(error));
    });
    await this.#writing;
  }

  #append(entry: Entry, ledger?: CursorLedger): Promise<void> {
    this.#writing = this.#writing.then(async () => {
      if (this.#closed || this.#handle === undefined) return;
      try {
        await this.#handle.write(`${JSON.stringify(entry)}\n`);
        if (ledger !== undefined) this.#persisted = ledger;
        this.#succeeded();
      } catch (error) {
        this.#writeFailed(error);
        return;
      }
      if (++this.#entries >= COMPACT_AFTER) await this.#rewrite();
    });
    return this.#writing;
  }

  #succeeded(): void {
    if (!this.#failing) return;
    this.#failing = false;
    this.#logger.info('exporter position is being saved again', { exporter: this.name });
  }

  #writeFailed(error: unknown): void {
    // The position stays in memory: at worst a restart repeats some deliveries.
    if (!this.#failing) this.#logger.warn('could not save an exporter position; a restart may send some events again', { exporter: this.name, error: (error as Error).message });
    this.#failing = true;
  }

  #compact(): Promise<void> {
    this.#writing = this.#writing.then(() => this.#rewrite());
    return this.#writing;
  }

  /** Replaces the journal with its live entries: origin, ledger, pending cuts and the newest losses. */
  async #rewrite(): Promise<void> {
    const ledger = this.#ledger;
    const lines = [
      { origin: ledger.origin },
      { commit: ledger.committed, delivered: ledger.delivered, deadLettered: ledger.deadLettered, lost: ledger.lost },
      ...this.#cuts.map((cut) => ({ cut })),
      ...this.#losses.map((loss) => ({ loss })),
    ];
    const temporary = `${this.#path}.tmp`;
    try {
      const handle = await open(temporary, 'w');
      try {
        await handle.writeFile(lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
        await handle.datasync();
      } finally {
        await handle.close();
      }
      await rename(temporary, this.#path);
      await this.#handle?.close();
      this.#handle = await open(this.#path, 'a');
      this.#entries = 0;
      this.#persisted = ledger;
      this.#dirty = this.#dirty && this.#ledger !== ledger;
      this.#succeeded();
    } catch (error) {
      this.#writeFailed(error);
      this.#handle ??= await open(this.#path, 'a').catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.flush();
    await this.#writing;
    this.#closed = true;
    await this.#handle?.close().catch(() => undefined);
    this.#handle = undefined;
  }
}
