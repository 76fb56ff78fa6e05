import type { Table } from '@google-cloud/bigquery';
import { ConfigError, isPermanent, PermanentError, RetryableError, type Batch, type ExportContext, type ExportResult, type Exporter, type ExporterContext, type RejectedEvent } from '@ferry/sdk';
import type { BigQueryConfig } from './config.js';
import { openTable, tableName } from './client.js';
import { encodeRow, oversize, planRequests, requestBody, requestBytes, type EncodedRow } from './encode.js';
import { insertFailure, isTooLarge, rowFailure } from './errors.js';
import { insertAll, type InsertAllResponse } from './send.js';
import { prepareTable, type TableFacts } from './table.js';

/** How long start waits for BigQuery before leaving the check to the first export. */
const START_TIMEOUT_MS = 30_000;

/** What one insertAll request came to: rows not inserted, and whether to stop sending. */
interface RequestOutcome {
  readonly rejected: RejectedEvent[];
  /** Set when the destination is failing as a whole: the batch's remaining requests wait for the retry. */
  readonly halt?: Error;
}

/**
 * Streaming inserts with the seed's row mapping and `insertId` = the event id. Each export
 * sends the batch as one insertAll request, or several when it is over BigQuery's limits,
 * and hands per-row outcomes back to the host: rows BigQuery calls invalid are
 * dead-lettered with its reason, rows it only "stopped" are retried, the rest are in.
 */
export class BigQueryExporter implements Exporter {
  readonly #ctx: ExporterContext<BigQueryConfig>;
  readonly #table: Table;
  readonly #name: string;
  #facts: TableFacts | undefined;

  constructor(ctx: ExporterContext<BigQueryConfig>) {
    this.#ctx = ctx;
    this.#table = openTable(ctx.config);
    this.#name = tableName(ctx.config);
  }

  /** Checks (or creates) the table. If BigQuery cannot be reached, the first export checks again. */
  async start(): Promise<void> {
    const { config, logger } = this.#ctx;
    if (config.anonymous && config.keyFilename) logger.warn('anonymous is set, so keyFilename is not used', { table: this.#name });
    const emulator = process.env.BIGQUERY_EMULATOR_HOST;
    if (emulator) logger.warn('BIGQUERY_EMULATOR_HOST is set: the client sends every request there, whatever apiEndpoint says', { emulator, table: this.#name });
    this.#facts = await this.#prepare(AbortSignal.any([this.#ctx.signal, AbortSignal.timeout(START_TIMEOUT_MS)]));
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
    const requests = planRequests(sendable);
    for (let at = 0; at < requests.length; at++) {
      const outcome = await this.#send(requests[at] as EncodedRow[], context.signal);
      rejected.push(...outcome.rejected);
      if (outcome.halt !== undefined) {
        const halt = outcome.halt;
        for (const rest of requests.slice(at + 1)) rejected.push(...rest.map((row) => ({ index: row.index, error: halt })));
        break;
      }
    }
    if (rejected.length === 0) return undefined;
    // The whole batch failed for one reason: say so as one error (it carries any Retry-After).
    if (rejected.length === batch.count && rejected.every((r) => r.error === rejected[0]?.error)) throw rejected[0]?.error;
    return { rejected };
  }

  #prepare(signal: AbortSignal): Promise<TableFacts> {
    const { config, logger } = this.#ctx;
    return prepareTable(this.#table, { name: this.#name, createTable: config.createTable, location: config.location, logger, signal });
  }

  /** The start check, run by the first export when start could not reach BigQuery. */
  async #prepareLate(signal: AbortSignal): Promise<TableFacts> {
    try {
      return await this.#prepare(signal);
    } catch (error) {
      // A table that turned out missing or forbidden: the component cannot work (the events are dead-lettered with the reason).
      if (error instanceof ConfigError) this.#ctx.reportError(error);
      throw error;
    }
  }

  async #send(rows: readonly EncodedRow[], signal: AbortSignal): Promise<RequestOutcome> {
    let response: InsertAllResponse;
    try {
      response = await insertAll(this.#table, requestBody(rows), signal);
    } catch (error) {
      if (isTooLarge(error)) return this.#split(rows, error, signal);
      const failure = error instanceof RetryableError ? error : insertFailure(error, this.#name);
      return { rejected: rows.map((row) => ({ index: row.index, error: failure })), ...(isPermanent(failure) ? {} : { halt: failure }) };
    }
    return { rejected: rowOutcomes(response, rows) };
  }

  /** Something between here and BigQuery (a proxy) takes less than BigQuery does: send halves. */
  async #split(rows: readonly EncodedRow[], error: unknown, signal: AbortSignal): Promise<RequestOutcome> {
    if (rows.length === 1) {
      const row = rows[0] as EncodedRow;
      const refusal = insertFailure(error, this.#name).message;
      return { rejected: [{ index: row.index, error: new PermanentError(`event ${row.eventId} alone makes a request of ${requestBytes(rows)} bytes, refused as too large: ${refusal}`) }] };
    }
    const half = Math.ceil(rows.length / 2);
    const first = await this.#send(rows.slice(0, half), signal);
    if (first.halt !== undefined) return { rejected: [...first.rejected, ...rows.slice(half).map((row) => ({ index: row.index, error: first.halt as Error }))], halt: first.halt };
    const second = await this.#send(rows.slice(half), signal);
    return { rejected: [...first.rejected, ...second.rejected], ...(second.halt ? { halt: second.halt } : {}) };
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
