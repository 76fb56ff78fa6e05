import type pg from 'pg';
import { ConfigError, type DeliveryProgress, type ExporterProgress, type Logger } from '@ferry/sdk';
import type { TableName } from '@ferry/outbox/schema';
import { bookkeeping } from './ddl.js';
import { renewLogId } from './log-id.js';

interface Reading {
  readonly origin: number;
  readonly committed: number;
  readonly deadLettered: number;
  readonly lost: number;
}

export interface ArchiveWatchOptions {
  readonly table: TableName;
  readonly pool: pg.Pool;
  readonly progress: DeliveryProgress;
  /** The exporter id of `requireArchivedBy`. */
  readonly archive: string;
  readonly logId: string;
  /** Where the log id is kept (a new one is written there if the log started again). */
  readonly storageDirectory: string;
  readonly logger: Logger;
  readonly reportError: (error: Error) => void;
  /** `exporters.<id>.requireArchivedBy`, for messages. */
  readonly path: string;
}

/**
 * Turns the archive exporter's progress into a record, in PostgreSQL, of which log
 * positions it has delivered: its last reading per (log, pipeline), and the ranges it
 * did not deliver (`archive_unproven`). Between two readings the archive committed
 * `[previous.committed, now.committed)`; if its dead-letter or loss count rose meanwhile,
 * the whole range is recorded as unproven, since which of its events were not delivered
 * cannot be told. Readings are taken before the first insert of each pipeline in a run,
 * every second, and before every retention check; a partition is dropped only when each of
 * its rows sits in `[origin, committed)` of a reading and in no unproven range.
 */
export class ArchiveWatch {
  readonly #o: ArchiveWatchOptions;
  #logId: string;
  readonly #last = new Map<string, Reading>();
  readonly #first = new Map<string, Promise<void>>();
  readonly #unread = new Set<string>();
  #serial: Promise<unknown> = Promise.resolve();

  constructor(options: ArchiveWatchOptions) {
    this.#o = options;
    this.#logId = options.logId;
  }

  /** The id rows are stamped with (it changes if a pipeline's log is found to have started again). */
  get logId(): string {
    return this.#logId;
  }

  /** Before the first insert of `pipeline` in this run: one reading, so a log that started again is noticed before its rows are written. */
  beforeInsert(pipeline: string): Promise<void> {
    if (pipeline === '') return Promise.resolve();
    let first = this.#first.get(pipeline);
    if (first === undefined) {
      first = this.#observe(pipeline).catch((error: unknown) => {
        this.#first.delete(pipeline);
        throw error;
      });
      this.#first.set(pipeline, first);
    }
    return first;
  }

  /** A reading of every pipeline this run has inserted from. */
  async observeAll(): Promise<void> {
    for (const pipeline of this.#first.keys()) await this.#observe(pipeline);
  }

  #observe(pipeline: string): Promise<void> {
    const run = this.#serial.then(() => this.#read(pipeline));
    this.#serial = run.catch(() => undefined);
    return run;
  }

  async #read(pipeline: string): Promise<void> {
    const now = this.#o.progress.of(this.#o.archive, pipeline);
    if (now === undefined) {
      if (!this.#unread.has(pipeline)) {
        this.#unread.add(pipeline);
        this.#o.reportError(
          new ConfigError(`${this.#o.path}: exporter "${this.#o.archive}" does not read pipeline "${pipeline}", so no event this exporter stores from it can be proven archived; the partitions holding them are never dropped`),
        );
      }
      return;
    }
    const last = this.#last.get(pipeline);
    if (last !== undefined && same(last, now)) return;
    const { watch, unproven } = bookkeeping(this.#o.table);
    const client = await this.#o.pool.connect();
    try {
      await client.query('BEGIN');
      const key = [this.#logId, pipeline, this.#o.archive];
      const stored = (await client.query<{ origin: string; committed: string; dead_lettered: string; lost: string }>(`SELECT origin, committed, dead_lettered, lost FROM ${watch} WHERE log_id = $1 AND pipeline = $2 AND exporter = $3 FOR UPDATE`, key)).rows[0];
      const previous: Reading | undefined = stored && { origin: Number(stored.origin), committed: Number(stored.committed), deadLettered: Number(stored.dead_lettered), lost: Number(stored.lost) };
      const gaps = await this.#compare(pipeline, previous, now);
      if (gaps === 'restarted-log') {
        await client.query('ROLLBACK');
        return this.#read(pipeline);
      }
      for (const gap of gaps) await client.query(`INSERT INTO ${unproven} (log_id, pipeline, exporter, from_seq, to_seq, reason) VALUES ($1, $2, $3, $4, $5, $6)`, [...key, gap.from, gap.to, gap.reason]);
      await client.query(
        `INSERT INTO ${watch} (log_id, pipeline, exporter, origin, committed, dead_lettered, lost) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (log_id, pipeline, exporter) DO UPDATE SET origin = excluded.origin, committed = excluded.committed, dead_lettered = excluded.dead_lettered, lost = excluded.lost, observed_at = now()`,
        [...key, now.origin, now.committed, now.deadLettered, now.lost],
      );
      await client.query('COMMIT');
      this.#last.set(pipeline, now);
      for (const gap of gaps) this.#o.logger.warn(`events of pipeline "${pipeline}" at log positions ${gap.from}–${gap.to - 1} cannot be proven archived by "${this.#o.archive}" (${gap.reason}); partitions holding any of them are kept`);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** The ranges between two readings the archive did not (provably) deliver; or that the log started again. */
  async #compare(pipeline: string, previous: Reading | undefined, now: ExporterProgress): Promise<Array<{ from: number; to: number; reason: string }> | 'restarted-log'> {
    // A first reading: since its origin, the ledger counts every dead letter and loss.
    let base: Reading = previous ?? { origin: now.origin, committed: now.origin, deadLettered: 0, lost: 0 };
    const gaps: Array<{ from: number; to: number; reason: string }> = [];
    const restarted = now.origin !== base.origin || now.committed < base.committed || now.deadLettered < base.deadLettered || now.lost < base.lost;
    if (restarted) {
      if (now.origin < base.committed) {
        // Positions already used mean other events now: rows from here on carry a new log id.
        this.#logId = await renewLogId(this.#o.storageDirectory);
        this.#last.clear();
        this.#o.logger.warn(`the log of pipeline "${pipeline}" started again (exporter "${this.#o.archive}" is back at position ${now.origin}, was past ${base.committed}); rows are stamped with a new log id from now on`, { logId: this.#logId });
        return 'restarted-log';
      }
      // The archive's ledger began again further on (`queue.type: memory` starts from the newest events): what it skipped was never delivered.
      if (now.origin > base.committed) gaps.push({ from: base.committed, to: now.origin, reason: 'skipped: the exporter started again from newer events' });
      base = { origin: now.origin, committed: now.origin, deadLettered: 0, lost: 0 };
    }
    const deadLettered = now.deadLettered - base.deadLettered;
    const lost = now.lost - base.lost;
    if ((deadLettered > 0 || lost > 0) && now.committed > base.committed) {
      const what = [deadLettered > 0 ? `${deadLettered} dead-lettered` : '', lost > 0 ? `${lost} lost to damage` : ''].filter(Boolean).join(', ');
      gaps.push({ from: base.committed, to: now.committed, reason: `${what} among them` });
    }
    return gaps;
  }
}

function same(a: Reading, b: ExporterProgress): boolean {
  return a.origin === b.origin && a.committed === b.committed && a.deadLettered === b.deadLettered && a.lost === b.lost;
}
