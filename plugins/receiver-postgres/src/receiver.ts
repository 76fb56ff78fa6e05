import type pg from 'pg';
import { ConfigError, retryAfterOf, type FerryEvent, type Receiver, type ReceiverContext } from '@ferry/sdk';
import { classifyPgError, describeDatabase, notifyChannel, tableName, type TableName } from '@ferry/outbox/schema';
import type { PostgresReceiverConfig } from './config.js';
import { checkOutbox } from './check.js';
import { connect } from './connection.js';
import { lease, type LeasePlan } from './lease.js';
import { OutboxListener } from './listener.js';

/** How long shutdown waits for a lease whose events are being accepted. */
const DRAIN_MS = 5_000;
const MAX_BACKOFF_MS = 30_000;

function isNamed(error: unknown, name: string): boolean {
  // The host may use another copy of the SDK, so instanceof is not enough.
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === name;
}

/**
 * Reads an outbox table at least once: lease, hand to the pipeline, remove only once the
 * pipeline accepted the events durably (see lease.ts). Woken by NOTIFY, with polling as
 * the fallback; reconnects with backoff; several instances may read one outbox.
 */
export class PostgresReceiver implements Receiver {
  readonly #ctx: ReceiverContext<PostgresReceiverConfig>;
  readonly #table: TableName;
  readonly #plan: LeasePlan;
  readonly #database: string;
  readonly #stop = new AbortController();
  #client: pg.Client | undefined;
  #listener: OutboxListener | undefined;
  #loop: Promise<void> | undefined;
  /** Set by a notification, cleared before each lease, so one arriving mid-lease is not missed. */
  #notified = false;
  #wakeIdle: (() => void) | undefined;
  #failures = 0;

  constructor(ctx: ReceiverContext<PostgresReceiverConfig>) {
    this.#ctx = ctx;
    this.#table = tableName(ctx.config.table);
    this.#plan = { table: this.#table, afterDelivery: ctx.config.afterDelivery, batchSize: ctx.config.batchSize };
    this.#database = describeDatabase(ctx.config.connectionString);
  }

  get #path(): string {
    return `receivers.${this.#ctx.id}`;
  }

  /** Checks the outbox (a ConfigError stops the collector); an unreachable server only warns, and reading starts when it answers. */
  async start(): Promise<void> {
    const { config, logger } = this.#ctx;
    try {
      await checkOutbox(await this.#connection(), this.#table, { path: `${this.#path}.table`, database: this.#database });
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      if (classifyPgError(error) === 'config') throw new ConfigError(`${this.#path}: ${this.#database} refused: ${(error as Error).message}`, { cause: error });
      this.#dropConnection();
      logger.warn('PostgreSQL is not reachable at start; reading the outbox once it is', { database: this.#database, error: (error as Error).message });
    }
    if (config.listen) {
      this.#listener = new OutboxListener(this.#connectOptions('listen'), notifyChannel(this.#table), {
        wake: () => this.#wake(),
        logger,
        onReconnect: () => this.#ctx.telemetry.count('listen_reconnects'),
      });
      this.#listener.start();
    }
    this.#loop = this.#run();
    logger.info('reading the outbox', { database: this.#database, table: this.#table.qualified, afterDelivery: config.afterDelivery, listen: config.listen, pollIntervalMs: config.pollIntervalMs });
  }

  async shutdown(): Promise<void> {
    if (this.#stop.signal.aborted) return;
    this.#stop.abort();
    this.#wakeIdle?.();
    await this.#listener?.close();
    if (this.#loop !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_MS)));
      await Promise.race([this.#loop, late]);
      clearTimeout(timer);
    }
    // A lease still open is rolled back by the server when its connection closes.
    await this.#client?.end().catch(() => undefined);
    this.#client = undefined;
  }

  #connectOptions(role: string) {
    const { config, id } = this.#ctx;
    return { connectionString: config.connectionString, connectTimeoutMs: config.connectTimeoutMs, applicationName: `ferry receiver ${id} (${role})` };
  }

  async #connection(): Promise<pg.Client> {
    this.#client ??= await connect({ ...this.#connectOptions('read'), onBroken: () => this.#dropConnection() });
    return this.#client;
  }

  #dropConnection(): void {
    const client = this.#client;
    this.#client = undefined;
    client?.end().catch(() => undefined);
  }

  #wake(): void {
    this.#notified = true;
    this.#wakeIdle?.();
  }

  async #run(): Promise<void> {
    const { config } = this.#ctx;
    while (!this.#stop.signal.aborted) {
      this.#notified = false;
      try {
        const client = await this.#connection();
        const leased = await lease(client, this.#plan, (events) => this.#deliver(events));
        this.#recovered();
        for (const m of leased.malformed) this.#ctx.logger.error('an outbox row holds no valid event; it is kept in the table with its failure set, and not read again', { position: m.position, problem: m.problem });
        if (leased.malformed.length > 0) this.#ctx.telemetry.count('malformed', leased.malformed.length);
        if (leased.rows >= config.batchSize) continue; // more is waiting
        if (!this.#notified) await this.#idle(config.pollIntervalMs);
      } catch (error) {
        if (this.#stop.signal.aborted || isNamed(error, 'ShutdownError')) return;
        if (isNamed(error, 'BackpressureError')) {
          // The pipeline is full: the lease was rolled back, so no transaction stays open while we wait.
          await this.#idle(retryAfterOf(error) ?? config.pollIntervalMs);
          continue;
        }
        await this.#failed(error as Error);
      }
    }
  }

  /** Hands a lease's events to the pipeline without waiting for room, so a full pipeline never holds a transaction open. */
  #deliver(events: FerryEvent[]): Promise<void> {
    return this.#ctx.next.consume(events, { wait: false });
  }

  #recovered(): void {
    if (this.#failures === 0) return;
    this.#ctx.logger.info('reading the outbox again', { database: this.#database, afterFailures: this.#failures });
    this.#failures = 0;
  }

  async #failed(error: Error): Promise<void> {
    this.#failures++;
    const kind = classifyPgError(error);
    if (kind === 'transient') this.#dropConnection();
    const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(this.#failures, 9));
    if (kind === 'config' && this.#failures === 1) {
      // Someone dropped the table or a privilege: say so as a configuration problem, and keep trying.
      this.#ctx.reportError(new ConfigError(`${this.#path}: reading ${this.#table.qualified} in ${this.#database} failed: ${error.message}`));
    } else if (this.#failures === 1 || this.#failures % 10 === 0) {
      this.#ctx.logger.warn('reading the outbox failed; its rows stay and are read again', { database: this.#database, error: error.message, failures: this.#failures, retryInMs: delay });
    }
    await this.#idle(delay);
  }

  /** Waits `ms`, or less if notified or stopped. */
  #idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakeIdle = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wakeIdle = done;
      if (this.#stop.signal.aborted) done();
    });
  }
}
