import { BigQuery, type Table } from '@google-cloud/bigquery';
import { PassThroughClient } from 'google-auth-library';
import { PermanentError, RetryableError, type Batch, type ExportContext, type ExportResult, type Exporter, type ExporterContext, type RejectedEvent } from '@ferry/sdk';
import type { BigQueryConfig } from './config.js';
import { classify, startProblem } from './errors.js';
import { encodeRows, LIMITS, requests, type EncodedRow, type Row } from './rows.js';

/** The seed's columns, plus `ferry` for the integrity link (nullable). */
export const TABLE_SCHEMA = {
  fields: [
    { name: 'event_id', type: 'STRING', mode: 'REQUIRED' },
    { name: 'event_type', type: 'STRING', mode: 'REQUIRED' },
    { name: 'created_at', type: 'STRING', mode: 'REQUIRED' },
    { name: 'data', type: 'STRING', mode: 'NULLABLE' },
    { name: 'ferry', type: 'STRING', mode: 'NULLABLE' },
  ],
};

interface InsertFailure {
  readonly row?: Row;
  readonly errors?: ReadonlyArray<{ readonly reason?: string; readonly message?: string }>;
}

/**
 * Streaming inserts with the seed's row mapping and `insertId` = the event id. The client
 * library's own retries are off — they would assign nothing new here (Ferry sets the ids),
 * but they retry rows BigQuery called invalid and hide failures from the host — so each
 * export is exactly one request per chunk, and per-row outcomes go back to the host.
 */
export class BigQueryExporter implements Exporter {
  readonly #ctx: ExporterContext<BigQueryConfig>;
  readonly #table: Table;
  readonly #name: string;
  #withEnvelope = false;

  constructor(ctx: ExporterContext<BigQueryConfig>) {
    this.#ctx = ctx;
    const { config } = ctx;
    const client = new BigQuery({
      projectId: config.projectId,
      ...(config.apiEndpoint ? { apiEndpoint: config.apiEndpoint } : {}),
      ...(config.keyFilename ? { keyFilename: config.keyFilename } : {}),
      ...(config.anonymous ? { authClient: new PassThroughClient() } : {}),
      ...(config.location ? { location: config.location } : {}),
      autoRetry: false,
      maxRetries: 0,
    });
    this.#table = client.dataset(config.datasetId).table(config.tableId);
    this.#name = `${config.projectId}.${config.datasetId}.${config.tableId}`;
  }

  /** Checks the table exists (or creates it), and whether it has the `ferry` column. */
  async start(): Promise<void> {
    const { config } = this.#ctx;
    try {
      const [exists] = await this.#table.exists();
      if (!exists && config.createTable) {
        await this.#table.create({ schema: TABLE_SCHEMA, timePartitioning: { type: 'DAY' }, clustering: { fields: ['event_type'] } });
        this.#ctx.logger.info(`created BigQuery table ${this.#name}`);
      }
      const [metadata] = await this.#table.getMetadata();
      const fields = (metadata as { schema?: { fields?: Array<{ name?: string }> } }).schema?.fields ?? [];
      this.#withEnvelope = fields.some((f) => f.name === 'ferry');
    } catch (error) {
      throw startProblem(error, this.#name);
    }
  }

  async export(batch: Batch, context: ExportContext): Promise<ExportResult | void> {
    const rejected: RejectedEvent[] = [];
    const fitting: EncodedRow[] = [];
    for (const row of encodeRows(batch, this.#withEnvelope)) {
      if (row.bytes > LIMITS.rowBytes) rejected.push({ index: row.index, error: new PermanentError(`row of ${row.bytes} bytes is over BigQuery's 10 MB row limit`) });
      else fitting.push(row);
    }
    for (const chunk of requests(fitting)) rejected.push(...(await this.#insert(chunk, context.signal)));
    if (rejected.length === batch.count && rejected.every((r) => r.error === rejected[0]?.error)) throw rejected[0]?.error;
    return rejected.length > 0 ? { rejected } : undefined;
  }

  async #insert(rows: readonly EncodedRow[], signal: AbortSignal): Promise<RejectedEvent[]> {
    if (signal.aborted) return rows.map((r) => ({ index: r.index, error: new RetryableError('aborted') }));
    const byRow = new Map(rows.map((r) => [r.row, r.index]));
    try {
      await this.#table.insert(
        rows.map((r) => r.row),
        { raw: true, partialRetries: 0, skipInvalidRows: false, ignoreUnknownValues: false },
      );
      return [];
    } catch (error) {
      const failures = (error as { name?: string; errors?: InsertFailure[] }).errors;
      if ((error as { name?: string }).name !== 'PartialFailureError' || failures === undefined) {
        const classified = classify(error, this.#name);
        return rows.map((r) => ({ index: r.index, error: classified }));
      }
      return failures.flatMap((failure) => {
        const index = failure.row === undefined ? undefined : byRow.get(failure.row);
        if (index === undefined) return [];
        const reasons = failure.errors ?? [];
        const invalid = reasons.find((r) => r.reason !== 'stopped');
        // "stopped": the row was fine but not inserted because a neighbour was invalid.
        if (invalid === undefined) return [{ index, error: new RetryableError('BigQuery did not insert this row because another row of its request was invalid (stopped)') }];
        const message = `BigQuery refused the row (${invalid.reason ?? 'invalid'}): ${invalid.message ?? ''}`.trim();
        return [{ index, error: RETRYABLE_ROW_REASONS.has(invalid.reason ?? '') ? new RetryableError(message) : new PermanentError(message) }];
      });
    }
  }
}

const RETRYABLE_ROW_REASONS = new Set(['backendError', 'internalError', 'timeout', 'rateLimitExceeded']);
