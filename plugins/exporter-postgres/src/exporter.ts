import pg from 'pg';
import { ConfigError, PermanentError, RetryableError, type Batch, type ExportContext, type ExportResult, type Exporter, type ExporterContext, type RejectedEvent } from '@ferry/sdk';
import { classifyPgError, describeDatabase, tableName, type TableName } from '@ferry/outbox/schema';
import type { PostgresExporterConfig } from './config.js';
import { encodeBatch, type Row } from './encode.js';
import { insertRows } from './insert.js';
import { Partitions } from './partitions.js';
import { Retention } from './retention.js';
import { ArchiveWatch } from './archive-watch.js';
import { loadLogId } from './log-id.js';
import { prepareTable } from './table.js';

/** How often the archive's progress is read and recorded, with `requireArchivedBy`. */
const OBSERVE_MS = 1_000;
/** PostgreSQL's "no partition of relation found for row". */
const NO_PARTITION = '23514';

/**
 * A transactional audit sink: each batch is one multi-row INSERT, idempotent by event id;
 * day partitions are made ahead and on demand; retention drops whole partitions, waiting
 * for the archive with `requireArchivedBy` (retention.ts, archive-watch.ts).
 */
export class PostgresExporter implements Exporter {
  readonly #ctx: ExporterContext<PostgresExporterConfig>;
  readonly #table: TableName;
  readonly #pool: pg.Pool;
  readonly #partitions: Partitions;
  readonly #database: string;
  #logId: string | undefined;
  #watch: ArchiveWatch | undefined;
  #retention: Retention | undefined;
  #prepared: Promise<void> | undefined;
  #timers: NodeJS.Timeout[] = [];
  #sweeping: Promise<unknown> | undefined;
  #configReported = false;
  #stopped = false;

  constructor(ctx: ExporterContext<PostgresExporterConfig>) {
    this.#ctx = ctx;
    this.#table = tableName(ctx.config.table);
    this.#database = describeDatabase(ctx.config.connectionString);
    // No connection is made until a query needs one.
    this.#pool = new pg.Pool({
      connectionString: ctx.config.connectionString,
      max: ctx.config.maxConnections,
      connectionTimeoutMillis: ctx.config.connectTimeoutMs,
      application_name: `ferry exporter ${ctx.id}`,
      keepAlive: true,
    });
    // An idle connection that breaks is dropped by the pool; without a listener it would crash the process.
    this.#pool.on('error', (error) => ctx.logger.debug('an idle PostgreSQL connection broke', { error: error.message }));
    this.#partitions = new Partitions(this.#table, this.#pool);
  }

  get #path(): string {
    return `exporters.${this.#ctx.id}`;
  }

  async start(): Promise<void> {
    const { config, storage } = this.#ctx;
    if (config.requireArchivedBy !== undefined && storage === undefined) {
      throw new ConfigError(`${this.#path}.requireArchivedBy: needs storage — without it events the archive has not taken are lost at shutdown, and log positions start again each run`);
    }
    this.#logId = await loadLogId(storage?.directory);
    if (config.requireArchivedBy !== undefined && storage !== undefined) {
      this.#watch = new ArchiveWatch({
        table: this.#table,
        pool: this.#pool,
        progress: this.#ctx.progress,
        archive: config.requireArchivedBy,
        logId: this.#logId,
        storageDirectory: storage.directory,
        logger: this.#ctx.logger,
        reportError: (error) => this.#ctx.reportError(error),
        path: `${this.#path}.requireArchivedBy`,
      });
    }
    this.#retention = new Retention({
      table: this.#table,
      pool: this.#pool,
      partitions: this.#partitions,
      partitionsAhead: config.partitionsAhead,
      retentionDays: config.retentionDays,
      archive: this.#watch && config.requireArchivedBy ? { exporter: config.requireArchivedBy, watch: this.#watch } : undefined,
      logger: this.#ctx.logger,
    });
    this.#schedule();
    try {
      await this.#prepare();
    } catch (error) {
      throw this.#startFailure(error);
    }
  }

  async shutdown(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const timer of this.#timers) clearInterval(timer);
    await this.#sweeping?.catch(() => undefined);
    // The archive's last progress, kept for the next retention check.
    await this.#watch?.observeAll().catch(() => undefined);
    await this.#pool.end().catch(() => undefined);
  }

  async export(batch: Batch, context: ExportContext): Promise<ExportResult | void> {
    await this.#ready(context.signal);
    const watch = this.#watch;
    if (watch !== undefined) await this.#guard(() => watch.beforeInsert(batch.pipeline));
    const rejected: RejectedEvent[] = [];
    const rows: Row[] = [];
    for (const encoded of encodeBatch(batch, watch?.logId ?? (this.#logId as string))) {
      if (encoded.ok) rows.push(encoded.row);
      else rejected.push({ index: encoded.index, error: encoded.error });
    }
    if (rows.length > 0) rejected.push(...(await this.#store(rows)));
    return rejected.length === 0 ? undefined : { rejected };
  }

  /** The table is prepared at start, or by the first export when PostgreSQL could not be reached then. */
  #ready(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(new RetryableError('aborted before the insert'));
    return this.#guard(() => this.#prepare());
  }

  #prepare(): Promise<void> {
    this.#prepared ??= (async () => {
      await prepareTable(this.#pool, this.#table, { createTable: this.#ctx.config.createTable, path: this.#path, database: this.#database });
      await this.#retention?.ensureAhead();
      this.#ctx.logger.info('audit table ready', { database: this.#database, table: this.#table.qualified, retentionDays: this.#ctx.config.retentionDays, requireArchivedBy: this.#ctx.config.requireArchivedBy });
    })().catch((error: unknown) => {
      this.#prepared = undefined;
      throw error;
    });
    return this.#prepared;
  }

  /** Inserts rows, making partitions as needed; a row PostgreSQL refuses as invalid is found by halving and refused alone. */
  async #store(rows: readonly Row[]): Promise<RejectedEvent[]> {
    await this.#guard(() => this.#partitions.ensure(rows.map((r) => r.day)));
    try {
      const inserted = await this.#insert(rows);
      if (inserted < rows.length) this.#ctx.telemetry.count('already_stored', rows.length - inserted);
      return [];
    } catch (error) {
      if (classifyPgError(error) !== 'data') throw this.#failure(error);
      if (rows.length === 1) return [{ index: (rows[0] as Row).index, error: new PermanentError(`event ${(rows[0] as Row).eventId} refused by PostgreSQL: ${(error as Error).message}`) }];
      const half = Math.ceil(rows.length / 2);
      return [...(await this.#store(rows.slice(0, half))), ...(await this.#store(rows.slice(half)))];
    }
  }

  async #insert(rows: readonly Row[]): Promise<number> {
    try {
      return await insertRows(this.#pool, this.#table, rows);
    } catch (error) {
      if ((error as { code?: string }).code !== NO_PARTITION) throw error;
      // Another Ferry dropped a partition this one remembered: make it again, once.
      this.#partitions.forget();
      await this.#partitions.ensure(rows.map((r) => r.day));
      return insertRows(this.#pool, this.#table, rows);
    }
  }

  async #guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw this.#failure(error);
    }
  }

  /** Any failure of an export is retried: a setting someone must fix is also reported (once) as a configuration problem. */
  #failure(error: unknown): Error {
    if (error instanceof RetryableError || error instanceof PermanentError) return error;
    const message = (error as Error).message;
    if (error instanceof ConfigError || classifyPgError(error) === 'config') {
      if (!this.#configReported) {
        this.#configReported = true;
        this.#ctx.reportError(error instanceof ConfigError ? error : new ConfigError(`${this.#path}: ${this.#database} refused: ${message}`));
      }
    }
    return new RetryableError(`${this.#database}: ${message}`, { cause: error });
  }

  #startFailure(error: unknown): Error {
    if (error instanceof ConfigError) return error;
    const message = (error as Error).message;
    if (classifyPgError(error) === 'config') return new ConfigError(`${this.#path}: ${this.#database} refused: ${message}`, { cause: error });
    return new RetryableError(`${this.#database} is not reachable (${message}); the table is prepared at the first export`, { cause: error });
  }

  #schedule(): void {
    const { retentionCheckIntervalMs } = this.#ctx.config;
    const sweep = () => {
      if (this.#sweeping !== undefined || this.#stopped) return;
      this.#sweeping = this.#prepare()
        .then(() => this.#retention?.sweep())
        .catch((error: unknown) => this.#ctx.logger.warn('the retention check failed; it runs again at the next interval', { error: (error as Error).message }))
        .finally(() => (this.#sweeping = undefined));
    };
    this.#timers.push(setInterval(sweep, retentionCheckIntervalMs));
    setImmediate(sweep);
    if (this.#watch !== undefined) {
      const watch = this.#watch;
      this.#timers.push(setInterval(() => void watch.observeAll().catch((error: unknown) => this.#ctx.logger.debug('reading the archive progress failed; tried again', { error: (error as Error).message })), OBSERVE_MS));
    }
    for (const timer of this.#timers) timer.unref();
  }

  /** Runs one retention check now (tests; the timer runs the same). */
  async checkRetention(now?: number): ReturnType<Retention['sweep']> {
    await this.#sweeping?.catch(() => undefined);
    await this.#prepare();
    return (this.#retention as Retention).sweep(now);
  }
}
