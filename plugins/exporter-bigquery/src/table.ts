import type { Table } from '@google-cloud/bigquery';
import { ConfigError, type Logger } from '@ferry/sdk';
import { checkFailure, createFailure } from './errors.js';
import { FERRY_COLUMN, SEED_COLUMNS } from './encode.js';
import { unlessAborted } from './send.js';

/**
 * The seed's columns, and `ferry` for the integrity link (nullable, so tables without
 * integrity simply leave it empty). BigQuery cannot partition on an expression over a STRING
 * column as the seed's DDL asks, so the table is partitioned by ingestion day instead.
 */
export const TABLE_DEFINITION = {
  schema: {
    fields: [
      { name: 'event_id', type: 'STRING', mode: 'REQUIRED' },
      { name: 'event_type', type: 'STRING', mode: 'REQUIRED' },
      { name: 'created_at', type: 'STRING', mode: 'REQUIRED' },
      { name: 'data', type: 'STRING', mode: 'NULLABLE' },
      { name: FERRY_COLUMN, type: 'STRING', mode: 'NULLABLE' },
    ],
  },
  timePartitioning: { type: 'DAY' },
  clustering: { fields: ['event_type'] },
};

/** What start learned about the table that shapes the rows. */
export interface TableFacts {
  readonly ferryColumn: boolean;
}

export interface PrepareOptions {
  readonly name: string;
  readonly createTable: boolean;
  readonly location: string | undefined;
  readonly logger: Logger;
  readonly signal: AbortSignal;
}

interface TableMetadata {
  readonly location?: string;
  readonly schema?: { readonly fields?: ReadonlyArray<{ readonly name?: string; readonly mode?: string }> };
}

const isNotFound = (error: unknown) => (error as { code?: unknown } | null)?.code === 404;
const isConflict = (error: unknown) => (error as { code?: unknown } | null)?.code === 409;

/**
 * The start check (tables.get), creating the table first with `createTable`: the table
 * must exist, be where `location` says, and take the seed's rows. A configuration that
 * cannot work is a ConfigError naming the table and the permission; anything else (the API
 * unreachable, rate limits) is a RetryableError.
 */
export async function prepareTable(table: Table, options: PrepareOptions): Promise<TableFacts> {
  const get = async (): Promise<TableMetadata> => {
    const [metadata] = (await unlessAborted(table.getMetadata() as Promise<unknown[]>, options.signal, `tables.get of ${options.name}`)) as [TableMetadata];
    return metadata;
  };
  let metadata: TableMetadata;
  try {
    metadata = await get();
  } catch (error) {
    if (!(options.createTable && isNotFound(error))) throw checkFailure(error, options.name);
    metadata = await create(table, options);
  }
  return checkMetadata(metadata, options);
}

async function create(table: Table, options: PrepareOptions): Promise<TableMetadata> {
  try {
    const [, response] = (await unlessAborted(table.create(TABLE_DEFINITION) as Promise<unknown[]>, options.signal, `tables.insert of ${options.name}`)) as [unknown, TableMetadata];
    options.logger.info('created the BigQuery table', { table: options.name, partitioning: 'DAY (ingestion)', clustering: 'event_type' });
    return response;
  } catch (error) {
    // Another collector created it meanwhile: use theirs.
    if (!isConflict(error)) throw createFailure(error, options.name);
  }
  try {
    const [metadata] = (await unlessAborted(table.getMetadata() as Promise<unknown[]>, options.signal, `tables.get of ${options.name}`)) as [TableMetadata];
    return metadata;
  } catch (error) {
    throw checkFailure(error, options.name);
  }
}

function checkMetadata(metadata: TableMetadata, options: PrepareOptions): TableFacts {
  const fields = metadata.schema?.fields ?? [];
  // Column names are case-insensitive in BigQuery.
  const names = new Set(fields.map((f) => (f.name ?? '').toLowerCase()));
  const missing = SEED_COLUMNS.filter((column) => !names.has(column));
  if (missing.length > 0) {
    throw new ConfigError(`BigQuery table ${options.name} lacks the column(s) ${missing.join(', ')}; Ferry writes ${SEED_COLUMNS.join(', ')} (see the README's DDL)`);
  }
  const written = new Set<string>([...SEED_COLUMNS, FERRY_COLUMN]);
  const required = fields.filter((f) => f.mode === 'REQUIRED' && !written.has((f.name ?? '').toLowerCase())).map((f) => f.name);
  if (required.length > 0) {
    throw new ConfigError(`BigQuery table ${options.name} has REQUIRED column(s) ${required.join(', ')} that Ferry never writes: every row would be refused`);
  }
  if (options.location !== undefined) {
    if (metadata.location === undefined) {
      options.logger.warn('BigQuery did not say where the table is, so location was not checked', { table: options.name, location: options.location });
    } else if (metadata.location.toLowerCase() !== options.location.toLowerCase()) {
      throw new ConfigError(`BigQuery table ${options.name} is in ${metadata.location}, not in ${options.location} as location requires`);
    }
  }
  return { ferryColumn: names.has(FERRY_COLUMN) };
}
