import { runScript, type Queryable } from './client.js';
import { outboxScript } from './schema/outbox-table.js';
import { tableName } from './schema/table.js';

export interface OutboxOptions {
  /** The outbox table, `name` or `schema.name`. Default: `ferry_outbox`. */
  readonly table?: string;
}

export interface MigrateOptions extends OutboxOptions {
  /**
   * Notify Ferry at each commit that inserted events, so it reads them at once (default
   * true). Off, Ferry finds them at its next poll.
   */
  readonly notify?: boolean;
}

export const DEFAULT_OUTBOX_TABLE = 'ferry_outbox';

/**
 * Creates the outbox table, its indexes and its notify trigger, or leaves them as they
 * are: safe to run at every start of every instance of the application (runs are
 * serialized by an advisory lock).
 */
export async function migrate(client: Queryable, options: MigrateOptions = {}): Promise<void> {
  const table = tableName(options.table ?? DEFAULT_OUTBOX_TABLE);
  await runScript(client, outboxScript(table, { notify: options.notify ?? true }));
}
