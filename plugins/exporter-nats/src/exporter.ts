import type { JetStreamClient, JetStreamManager, NatsConnection } from 'nats';
import { ConfigError, RetryableError, type Batch, type ExportContext, type ExportResult, type Exporter, type ExporterContext } from '@ferry/sdk';
import { apiErrorCode, closeConnection, connectNats, describeNatsError, describeServers } from '@ferry/nats';
import type { NatsExporterConfig } from './config.js';
import { ensureStream } from './stream.js';
import { classifyPublishError } from './classify.js';
import { publishBatch } from './publish.js';
import { PublishWindow } from './window.js';

interface Ready {
  readonly connection: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
}

/**
 * Encode-and-send for NATS JetStream: one message per event, its id as `Nats-Msg-Id`, so a
 * batch sent again (a retry, a restart) is absorbed by the stream's duplicate window. Each
 * event is delivered on its PubAck; a PubAck marked duplicate is delivered too and counted
 * (`duplicates`). Retries, batching and queueing are the host's.
 */
export class NatsExporter implements Exporter {
  readonly #ctx: ExporterContext<NatsExporterConfig>;
  readonly #servers: string;
  readonly #window: PublishWindow;
  #ready: Promise<Ready> | undefined;
  #connection: NatsConnection | undefined;
  #stopped = false;

  constructor(ctx: ExporterContext<NatsExporterConfig>) {
    this.#ctx = ctx;
    this.#servers = describeServers(ctx.config.servers);
    this.#window = new PublishWindow(ctx.config.maxPending);
  }

  get #path(): string {
    return `exporters.${this.#ctx.id}`;
  }

  /** Connects and checks (or creates) the stream. A wrong stream stops Ferry; an unreachable server only warns, and events queue. */
  async start(): Promise<void> {
    await this.#prepare();
  }

  async shutdown(): Promise<void> {
    this.#stopped = true;
    const connection = this.#connection;
    this.#connection = undefined;
    // Draining lets publishes in flight have their PubAcks (bounded: the server may be away).
    if (connection !== undefined) await closeConnection(connection);
  }

  #prepare(): Promise<Ready> {
    this.#ready ??= this.#connect().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  async #connect(): Promise<Ready> {
    const { config, logger } = this.#ctx;
    let connection: NatsConnection;
    try {
      connection = await connectNats(config, { path: this.#path, name: `ferry exporter ${this.#ctx.id}` });
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      throw new RetryableError(`cannot connect to NATS at ${this.#servers}: ${describeNatsError(error)}`, { cause: error });
    }
    try {
      const jsm = await connection.jetstreamManager({ timeout: config.publishTimeoutMs });
      const stream = await ensureStream(jsm, config, { path: this.#path, servers: this.#servers });
      logger.info('publishing to JetStream', { servers: this.#servers, stream: config.stream, streamSubjects: stream.subjects, subject: config.subject, stream_action: stream.action });
      this.#watch(connection);
      this.#connection = connection;
      if (this.#stopped) await connection.close();
      return { connection, js: connection.jetstream({ timeout: config.publishTimeoutMs }), jsm };
    } catch (error) {
      await connection.close().catch(() => undefined);
      if (error instanceof ConfigError) throw error;
      throw new RetryableError(`JetStream on ${this.#servers} did not answer (is it enabled?): ${describeNatsError(error)}`, { cause: error });
    }
  }

  /** Says when the connection drops and comes back; the client reconnects by itself. */
  #watch(connection: NatsConnection): void {
    void (async () => {
      for await (const status of connection.status()) {
        if (status.type === 'disconnect') this.#ctx.logger.warn('lost the NATS connection; reconnecting (publishes wait and are retried)', { servers: this.#servers });
        else if (status.type === 'reconnect') this.#ctx.logger.info('reconnected to NATS', { servers: this.#servers });
      }
    })();
  }

  async export(batch: Batch, { signal }: ExportContext): Promise<ExportResult | void> {
    if (batch.count === 0) return;
    const { config, telemetry } = this.#ctx;
    let ready: Ready;
    try {
      ready = await this.#prepare();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      // A stream missing or wrong once NATS answers is a configuration problem to show, not a
      // reason to dead-letter audit events: they stay queued and are retried until it is fixed.
      this.#ctx.reportError(error);
      throw new RetryableError(error.message, { cause: error });
    }
    const { js, jsm } = ready;
    const inNoStream = memoize(async (subject: string) => {
      try {
        await jsm.streams.find(subject);
        return false;
      } catch (error) {
        // JetStream answered and no stream takes the subject; any other failure says nothing.
        return apiErrorCode(error) === undefined && /no stream matches subject/i.test((error as Error).message);
      }
    });
    const place = { stream: config.stream, servers: this.#servers };
    const published = await publishBatch(batch, {
      js,
      stream: config.stream,
      subject: config.subject,
      window: this.#window,
      timeoutMs: config.publishTimeoutMs,
      classify: (error, subject) => classifyPublishError(error, subject, place, inNoStream),
    }, signal);
    if (published.duplicates > 0) telemetry.count('duplicates', published.duplicates);
    const { rejected } = published;
    if (rejected.length === 0) return;
    // Nothing arrived, for one reason: one error lets the host treat the batch as a whole.
    const first = rejected[0]?.error;
    if (rejected.length === batch.count && rejected.every((r) => r.error.message === first?.message && r.error.name === first?.name)) throw first;
    return { rejected };
  }
}

function memoize(f: (key: string) => Promise<boolean>): (key: string) => Promise<boolean> {
  const cache = new Map<string, Promise<boolean>>();
  return (key) => {
    let found = cache.get(key);
    if (found === undefined) cache.set(key, (found = f(key)));
    return found;
  };
}
