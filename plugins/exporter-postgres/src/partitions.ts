import type pg from 'pg';
import type { TableName } from '@ferry/outbox/schema';
import { createPartition, dayOfPartition, partitionLock } from './ddl.js';

/** The day partitions of the audit table: created on demand (remembered once made), listed for retention. */
export class Partitions {
  readonly #table: TableName;
  readonly #pool: pg.Pool;
  readonly #known = new Set<string>();

  constructor(table: TableName, pool: pg.Pool) {
    this.#table = table;
    this.#pool = pool;
  }

  /** Makes sure every day has its partition (one transaction, serialized with every other Ferry on this table). */
  async ensure(days: Iterable<string>): Promise<void> {
    const missing = [...new Set(days)].filter((day) => !this.#known.has(day)).sort();
    if (missing.length === 0) return;
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT ${partitionLock(this.#table)}`);
      for (const day of missing) await client.query(createPartition(this.#table, day));
      await client.query('COMMIT');
      for (const day of missing) this.#known.add(day);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** Forgets what was made (another Ferry may have dropped a partition): the next `ensure` checks again. */
  forget(day?: string): void {
    if (day === undefined) this.#known.clear();
    else this.#known.delete(day);
  }

  /** The days that have a partition now, oldest first. */
  async list(client: pg.ClientBase): Promise<string[]> {
    const found = await client.query<{ relname: string }>('SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass($1)', [this.#table.sql]);
    return found.rows
      .map((r) => dayOfPartition(this.#table, r.relname))
      .filter((day): day is string => day !== undefined)
      .sort();
  }
}

/** The UTC days from `from` (ms) for `count + 1` days: today and `count` days ahead. */
export function daysAhead(from: number, count: number): string[] {
  return Array.from({ length: count + 1 }, (_, i) => new Date(from + i * 86_400_000).toISOString().slice(0, 10));
}
