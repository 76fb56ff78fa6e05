import type pg from 'pg';
import type { Logger } from '@ferry/sdk';
import type { TableName } from '@ferry/outbox/schema';
import type { ArchiveWatch } from './archive-watch.js';
import { bookkeeping, partitionLock, partitionName } from './ddl.js';
import { daysAhead, type Partitions } from './partitions.js';

export interface RetentionOptions {
  readonly table: TableName;
  readonly pool: pg.Pool;
  readonly partitions: Partitions;
  readonly partitionsAhead: number;
  readonly retentionDays: number | undefined;
  /** With `requireArchivedBy`: the archive exporter and what it has delivered. */
  readonly archive: { readonly exporter: string; readonly watch: ArchiveWatch } | undefined;
  readonly logger: Logger;
}

export interface PartitionOutcome {
  readonly day: string;
  readonly dropped: boolean;
  /** Rows in the partition (counted when the archive is checked). */
  readonly events?: number;
  /** Rows not proven archived, when kept for that reason. */
  readonly unarchived?: number;
}

const DAY_MS = 86_400_000;

/**
 * Partitions ahead, and retention: a day's partition is dropped once the whole day is
 * older than `retentionDays` — and, with `requireArchivedBy`, only if every row in it is
 * proven delivered by the archive (archive-watch.ts). The check is made twice: once
 * without locks (most kept partitions stop there), then again under an exclusive lock on
 * the table, so no late event can slip into the partition between the check and the drop.
 */
export class Retention {
  readonly #o: RetentionOptions;

  constructor(options: RetentionOptions) {
    this.#o = options;
  }

  async ensureAhead(now: number = Date.now()): Promise<void> {
    await this.#o.partitions.ensure(daysAhead(now, this.#o.partitionsAhead));
  }

  async sweep(now: number = Date.now()): Promise<PartitionOutcome[]> {
    await this.ensureAhead(now);
    const { retentionDays } = this.#o;
    if (retentionDays === undefined) return [];
    const client = await this.#o.pool.connect();
    try {
      const old = (await this.#o.partitions.list(client)).filter((day) => Date.parse(`${day}T00:00:00Z`) + DAY_MS <= now - retentionDays * DAY_MS);
      if (old.length === 0) return [];
      await this.#o.archive?.watch.observeAll();
      const outcomes: PartitionOutcome[] = [];
      for (const day of old) outcomes.push(await this.#retire(client, day));
      return outcomes;
    } finally {
      client.release();
    }
  }

  async #retire(client: pg.PoolClient, day: string): Promise<PartitionOutcome> {
    const partition = partitionName(this.#o.table, day);
    const { archive, logger } = this.#o;
    if (archive !== undefined) {
      const open = await this.#unarchived(client, partition.sql, archive.exporter);
      if (open.unarchived > 0) return this.#kept(day, open);
    }
    let checked: { events: number; unarchived: number; where: string[] } | undefined;
    await client.query('BEGIN');
    try {
      // Waits at most 5 s for inserts in progress; a busy table is tried at the next check.
      await client.query("SET LOCAL lock_timeout = '5s'");
      await client.query(`SELECT ${partitionLock(this.#o.table)}`);
      await client.query(`LOCK TABLE ${this.#o.table.sql} IN ACCESS EXCLUSIVE MODE`);
      checked = archive === undefined ? undefined : await this.#unarchived(client, partition.sql, archive.exporter);
      if (checked !== undefined && checked.unarchived > 0) {
        await client.query('ROLLBACK');
        return this.#kept(day, checked);
      }
      await client.query(`DROP TABLE IF EXISTS ${partition.sql}`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    this.#o.partitions.forget(day);
    logger.info(`dropped the partition of ${day} (older than ${this.#o.retentionDays} days${archive ? `; all ${checked?.events ?? 0} events in it delivered by "${archive.exporter}"` : ''})`, { partition: partition.bare });
    return { day, dropped: true, ...(checked ? { events: checked.events } : {}) };
  }

  #kept(day: string, open: { events: number; unarchived: number; where: string[] }): PartitionOutcome {
    this.#o.logger.info(`kept the partition of ${day} past retention: ${open.unarchived} of its ${open.events} events are not proven delivered by "${this.#o.archive?.exporter}" (${open.where.join('; ')})`);
    return { day, dropped: false, events: open.events, unarchived: open.unarchived };
  }

  /**
   * The partition's rows grouped by (log, pipeline) with their lowest and highest position,
   * each group checked against the archive's readings: proven when the whole range sits in
   * `[origin, committed)` and overlaps no unproven range. Rows from no pipeline (a replay of
   * dead letters) can never be proven.
   */
  async #unarchived(client: pg.ClientBase, partition: string, exporter: string): Promise<{ events: number; unarchived: number; where: string[] }> {
    const { watch, unproven } = bookkeeping(this.#o.table);
    const groups = await client.query<{ log_id: string; log_pipeline: string; n: string; lo: string; hi: string; proven: boolean }>(
      `SELECT g.log_id, g.log_pipeline, g.n, g.lo, g.hi,
          (w.log_id IS NOT NULL AND g.lo >= w.origin AND g.hi < w.committed
            AND NOT EXISTS (SELECT 1 FROM ${unproven} u WHERE u.log_id = g.log_id AND u.pipeline = g.log_pipeline AND u.exporter = $1 AND u.from_seq <= g.hi AND u.to_seq > g.lo)) AS proven
        FROM (SELECT log_id, log_pipeline, count(*) AS n, min(log_seq) AS lo, max(log_seq) AS hi FROM ONLY ${partition} GROUP BY log_id, log_pipeline) g
        LEFT JOIN ${watch} w ON w.log_id = g.log_id AND w.pipeline = g.log_pipeline AND w.exporter = $1`,
      [exporter],
    );
    let events = 0;
    let unarchived = 0;
    const where: string[] = [];
    for (const g of groups.rows) {
      events += Number(g.n);
      if (g.proven) continue;
      unarchived += Number(g.n);
      where.push(g.log_pipeline === '' ? `${g.n} from no pipeline (replayed)` : `${g.n} of pipeline "${g.log_pipeline}" at positions ${g.lo}–${g.hi}`);
    }
    return { events, unarchived, where };
  }
}
