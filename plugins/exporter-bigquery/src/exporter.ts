import type { Table } from '@google-cloud/bigquery';
import { ConfigError, PermanentError, RetryableError, type Batch, type ExportContext, type ExportResult, type Exporter, type ExporterContext, type RejectedEvent } from '@ferry/sdk';
import { requestDeadline, sendInRequests } from '@ferry/sdk/http';
import { tableName, type BigQueryConfig } from './config.js';
import { encodeRow, oversize, planRequests, requestBody, requestBytes, type EncodedRow } from './encode.js';
import { insertFailure, rowFailure } from './errors.js';
import { insertAll, type InsertAllResponse } from './send.js';
import { prepareTable, type TableFacts } from './table.js';

/** How long start waits for BigQuery before leaving the check to the first export. */
const START_TIMEOUT_MS = 30_000;

/**
 * Streaming inserts with the seed's row mapping and `insertId` = the event id. Each export
 * sends the batch as one insertAll request, or several when it is over BigQuery's limits,
 * and hands per-row outcomes back to the host: rows BigQuery calls invalid are
 * dead-lettered with its reason, rows it only "stopped" are retried, the rest are in.
 */
export class BigQueryExporter implements Exporter {
  readonly #ctx: ExporterContext<BigQueryConfig>;
  /** Made at start: the BigQuery client (about a third of a second of loading) is imported only by an exporter that runs, not by `ferry validate`. */
  #table: Promise<Table> | undefined;
  readonly #name: string;
  #facts: TableFacts | undefined;

  constructor(ctx: ExporterContext<BigQueryConfig>) {
    this.#ctx = ctx;
    this.#name = tableName(ctx.config);
  }

  /** Checks (or creates) the table. If BigQuery cannot be reached, the first export checks again. */
  async start(): Promise<void> {
    const { config, logger } = this.#ctx;
    if (config.anonymous && config.keyFilename) logger.warn('anonymous is set, so keyFilename is not used', { table: this.#name });
    const emulator = process.env.BIGQUERY_EMULATOR_HOST;
    if (emulator) logger.warn('BIGQUERY_EMULATOR_HOST is set: the client sends every request there, whatever apiEndpoint says', { emulator, table: this.#name });
    // Not AbortSignal.any over AbortSignal.timeout: on Node 20 a garbage collection can collect the timeout signal, and start would wait forever.
    const deadline = requestDeadline(this.#ctx.signal, START_TIMEOUT_MS);
    try {
      this.#facts = await this.#prepare(deadline.signal);
    } finally {
      deadline.done();
    }
  }

  async export(batch: Batch, context: ExportContext): Promise<ExportResult | void> {
    const facts = this.#facts ?? (this.#facts = await this.#prepareLate(context.signal));
    const rejected: RejectedEvent[] = [];
    const sendable: EncodedRow[] = [];
    batch.lines.forEach((line, index) => {
      const row = encodeRow(line, index, facts.ferryColumn);
      const tooLarge = oversize(row);
      if (tooLarge === undefined) sendable.push(row);
      else rejected.push({ index, error: new PermanentError(tooLarge) });
    });
    // Something between here and BigQuery (a proxy) may take less than BigQuery does: a refusal for size sends halves.
    return sendInRequests({
      count: batch.count,
      requests: planRequests(sendable),
      rejected,
      send: (rows) => this.#send(rows, context.signal),
      tooLarge: (row, refusal) => new PermanentError(`event ${row.eventId} alone makes a request of ${requestBytes([row])} bytes, refused as too large: ${refusal.message}`),
    });
  }

  #openTable(): Promise<Table> {
    this.#table ??= import('./client.js').then(({ openTable }) => openTable(this.#ctx.config));
    return this.#table;
  }

  async #prepare(signal: AbortSignal): Promise<TableFacts> {
    const { config, logger } = this.#ctx;
    return prepareTable(await this.#openTable(), { name: this.#name, createTable: config.createTable, location: config.location, logger, signal });
  }

  /** The start check, run by the first export when start could not reach BigQuery. */
  async #prepareLate(signal: AbortSignal): Promise<TableFacts> {
    try {
      return await this.#prepare(signal);
    } catch (error) {
      // A table that turned out missing or forbidden: the component cannot work until the config (or the table) is fixed; its events are held meanwhile.
      if (error instanceof ConfigError) this.#ctx.reportError(error);
      throw error;
    }
  }

  /** One insertAll request: the rows BigQuery refused one by one, or what its failure means for all of them. */
  async #send(rows: readonly EncodedRow[], signal: AbortSignal): Promise<RejectedEvent[]> {
    let response: InsertAllResponse;
    try {
      response = await insertAll(await this.#openTable(), requestBody(rows), signal);
    } catch (error) {
      throw error instanceof RetryableError ? error : insertFailure(error, this.#name);
    }
    return rowOutcomes(response, rows);
  }
}

/** Per-row outcomes of a request BigQuery answered: rows not in `insertErrors` were inserted. */
function rowOutcomes(response: InsertAllResponse, rows: readonly EncodedRow[]): RejectedEvent[] {
  const rejected = new Map<number, RejectedEvent>();
  for (const entry of response.insertErrors ?? []) {
    const row = typeof entry.index === 'number' ? rows[entry.index] : undefined;
    if (row === undefined || rejected.has(row.index)) continue;
    rejected.set(row.index, { index: row.index, error: rowFailure(entry.errors ?? [], row.eventId) });
  }
  return [...rejected.values()];
}
