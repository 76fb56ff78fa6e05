import { mkdir } from 'node:fs/promises';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { ConfigError, RetryableError, type ComponentKind, type Logger } from '@ferry/sdk';
import type { LoadedConfig } from '../config/types.js';
import type { EventLog } from '../log/types.js';
import { MemoryLog } from '../log/memory-log.js';
import { DiskLog } from '../log/disk/disk-log.js';
import { PipelineIngest } from '../pipeline/ingest.js';
import { ReceiverConsumer } from '../pipeline/receiver-consumer.js';
import { booksBalance, ExporterRunner, type Books } from '../delivery/runner.js';
import { LoggedDeadLetters, type DeadLetterSink } from '../delivery/dead-letters.js';
import { DiskDeadLetters } from '../deadletters/store.js';
import { Telemetry, type ComponentRecorder } from '../telemetry/metrics.js';
import { buildExporters, buildProcessors, buildReceiver, deliveryFor, pipelineBatching, type BuildEnvironment, type BuiltExporter, type BuiltProcessor, type BuiltReceiver } from './build.js';
import { ComponentFailedError } from './errors.js';
import { label, safeName } from './context.js';
import type { GuardedComponent } from './guarded.js';

export interface CollectorOptions {
  readonly loaded: Pick<LoadedConfig, 'config' | 'registry'>;
  readonly logger: Logger;
  readonly telemetry?: Telemetry;
  /** Bound of each pipeline's in-memory log (bytes of serialized events). */
  readonly memoryLimitBytes?: number;
  /** Opens a pipeline's log; the default keeps it in memory. */
  readonly openLog?: (pipeline: string, directory: string | undefined) => Promise<EventLog>;
  readonly deadLetters?: DeadLetterSink;
}

export interface Undelivered {
  readonly pipeline: string;
  readonly exporter: string;
  readonly events: number;
}

/** One exporter's books in one pipeline (see `Books`). */
export interface ExporterBooks extends Books {
  readonly pipeline: string;
  readonly exporter: string;
}

export interface ShutdownReport {
  /** Events some exporter had not finished with when the deadline passed. */
  readonly undelivered: readonly Undelivered[];
  /** Every exporter's books at the end of this run. */
  readonly books: readonly ExporterBooks[];
  /** With storage, undelivered events stay in the log for the next start; without, they are lost. */
  readonly durable: boolean;
}

interface Pipeline {
  readonly name: string;
  readonly processors: readonly BuiltProcessor[];
  log: EventLog | undefined;
  ingest: PipelineIngest | undefined;
}

export const DEFAULT_MEMORY_LIMIT_BYTES = 32 * 1024 * 1024;

/**
 * The running collector: components built from a resolved config, started exporters
 * first and receivers last, stopped in reverse so that every batch in flight drains into
 * a live exporter. Emits `fatal` (with an Error) when no receiver is left working.
 */
export class Collector extends EventEmitter<{ fatal: [Error] }> {
  readonly telemetry: Telemetry;
  readonly #options: CollectorOptions;
  readonly #logger: Logger;
  readonly #abort = new AbortController();
  readonly #exporters: Map<string, BuiltExporter>;
  readonly #pipelines: Pipeline[];
  readonly #receivers: BuiltReceiver[] = [];
  readonly #runners: Array<{ pipeline: string; exporter: string; runner: ExporterRunner; recorder: ComponentRecorder }> = [];
  readonly #failed = new Set<string>();
  readonly #damagedRecords;
  #starting: Promise<void> | undefined;
  #stopping: Promise<ShutdownReport> | undefined;

  /** Builds every component (no I/O happens here); throws ComponentFailedError naming the one that cannot be created. */
  constructor(options: CollectorOptions) {
    super();
    this.#options = options;
    this.#logger = options.logger;
    this.telemetry = options.telemetry ?? new Telemetry();
    this.#damagedRecords = this.telemetry.meter.createCounter('ferry.log.damaged_records', { description: 'Damaged stretches found in a pipeline log (each counted once); the events they held are counted per exporter as lost.' });
    const { config } = options.loaded;
    const env: BuildEnvironment = {
      loaded: options.loaded,
      logger: options.logger,
      telemetry: this.telemetry,
      signal: this.#abort.signal,
      onComponentError: (kind, id, error) => this.#componentError(kind, id, error),
      progress: { of: (exporter, pipeline) => this.#runners.find((r) => r.exporter === exporter && r.pipeline === pipeline)?.runner.progress() },
    };
    const pipelineEntries = Object.entries(config.service.pipelines);
    this.#exporters = buildExporters(env, new Set(pipelineEntries.flatMap(([, p]) => p.exporters)));
    this.#pipelines = pipelineEntries.map(([name, p]) => ({ name, processors: buildProcessors(env, name, p.processors), log: undefined, ingest: undefined }));
    const receiverIds = new Set(pipelineEntries.flatMap(([, p]) => p.receivers));
    for (const id of receiverIds) {
      const pipelines = pipelineEntries.filter(([, p]) => p.receivers.includes(id)).map(([name]) => name);
      const targets = () => pipelines.map((name) => this.#pipelines.find((p) => p.name === name)?.ingest as PipelineIngest);
      this.#receivers.push(
        buildReceiver(env, id, pipelines, (recorder) => {
          let consumer: ReceiverConsumer | undefined;
          // Pipelines get their ingest at start; receivers only consume after that.
          return { consume: (events, options) => (consumer ??= new ReceiverConsumer(targets(), recorder)).consume(events, options) };
        }),
      );
    }
  }

  /** Starts exporters, then pipelines and processors, then receivers. A failure stops what started and rejects naming the component. */
  start(): Promise<void> {
    this.#starting ??= this.#start().catch(async (error: unknown) => {
      await this.shutdown({ timeoutMs: 0 });
      throw error;
    });
    return this.#starting;
  }

  async #start(): Promise<void> {
    const { config } = this.#options.loaded;
    const storage = config.storage;
    if (storage) await mkdir(storage.directory, { recursive: true });
    for (const exporter of this.#exporters.values()) await this.#startComponent(exporter.component, true);
    for (const pipeline of this.#pipelines) {
      const directory = storage ? join(storage.directory, 'pipelines', safeName(pipeline.name)) : undefined;
      pipeline.log = await (this.#options.openLog ?? this.#defaultLog)(pipeline.name, directory);
      const restored = pipeline.log.restoredState;
      for (const processor of pipeline.processors) {
        const state = restored?.[processor.id];
        if (state !== undefined) processor.component.instance.restore?.(state);
        await this.#startComponent(processor.component, false);
      }
      pipeline.ingest = new PipelineIngest(
        pipeline.name,
        pipeline.processors.map((p) => ({ id: p.id, instance: p.component.instance, recorder: p.recorder })),
        pipeline.log,
        this.#logger.child({ pipeline: pipeline.name }),
      );
      this.#startRunners(pipeline);
    }
    for (const receiver of this.#receivers) await this.#startComponent(receiver.component, false);
    this.#logger.info('collector started', {
      pipelines: this.#pipelines.map((p) => p.name),
      persistence: storage ? storage.directory : 'off (events in memory only)',
    });
  }

  /** Without storage the log lives in memory; with it, on disk under the pipeline's directory. */
  readonly #defaultLog = async (pipeline: string, directory: string | undefined): Promise<EventLog> => {
    const storage = this.#options.loaded.config.storage;
    if (storage === undefined || directory === undefined) return new MemoryLog({ maxBytes: this.#options.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT_BYTES });
    return DiskLog.open({
      directory,
      fsync: storage.fsync,
      fsyncIntervalMs: storage.fsyncIntervalMs,
      maxBytes: storage.maxBytes,
      cacheBytes: storage.cacheBytes,
      segmentBytes: storage.segmentBytes,
      cursorNames: (this.#options.loaded.config.service.pipelines[pipeline]?.exporters ?? []).filter((id) => this.#exporters.get(id)?.delivery.queue.type !== 'memory'),
      logger: this.#logger.child({ pipeline }),
      onDamage: (exporter, loss, newStretches) => {
        if (newStretches > 0) this.#damagedRecords.add(newStretches, { pipeline });
        this.#runners.find((r) => r.pipeline === pipeline && r.exporter === exporter)?.recorder.add('lost', loss.to - loss.from);
      },
    });
  };

  #startRunners(pipeline: Pipeline): void {
    const { config } = this.#options.loaded;
    const batching = pipelineBatching(pipeline.processors);
    const log = pipeline.log as EventLog;
    const storage = this.#options.loaded.config.storage;
    const deadLetters = this.#options.deadLetters ?? (storage ? new DiskDeadLetters(storage.directory, this.#logger, this.#abort.signal) : new LoggedDeadLetters(this.#logger));
    const ingest = pipeline.ingest as PipelineIngest;
    for (const id of config.service.pipelines[pipeline.name]?.exporters ?? []) {
      const exporter = this.#exporters.get(id) as BuiltExporter;
      const recorder = this.telemetry.component('exporter', id, pipeline.name);
      const runner = new ExporterRunner({
        pipeline: pipeline.name,
        exporterId: id,
        exporter: exporter.component.instance,
        gate: exporter.gate,
        cursor: log.cursor(id, { durable: exporter.delivery.queue.type !== 'memory' }),
        endSeq: () => log.endSeq,
        accepted: () => ingest.appended,
        nextAppend: () => log.nextAppend(),
        delivery: deliveryFor(exporter, batching),
        recorder,
        logger: this.#logger.child({ component: `exporter/${id}`, pipeline: pipeline.name }),
        deadLetters,
      });
      runner.start();
      this.#runners.push({ pipeline: pipeline.name, exporter: id, runner, recorder });
    }
    ingest.exporters = this.#runners.filter((r) => r.pipeline === pipeline.name).map((r) => r.runner);
  }

  async #startComponent(component: GuardedComponent<{ start?(): Promise<void> }>, warnOnRetryable: boolean): Promise<void> {
    try {
      await component.start();
    } catch (error) {
      if (warnOnRetryable && error instanceof RetryableError) {
        this.#logger.warn(`${component.label} could not reach its destination at start; events will queue and be retried`, { error: error.message });
        return;
      }
      throw new ComponentFailedError('FERRY_START_FAILED', component.label, error);
    }
  }

  #componentError(kind: ComponentKind, id: string, error: Error): void {
    const name = label(kind, id);
    const configuration = error instanceof ConfigError || error.name === 'ConfigError';
    this.#logger.error(`${name} ${configuration ? 'has a configuration problem' : 'reported an error'}: ${error.message}`);
    if (kind !== 'receiver' || !configuration) return;
    this.#failed.add(id);
    if (this.#receivers.every((r) => this.#failed.has(r.id))) {
      this.emit('fatal', new Error(`no receiver is working: ${name}: ${error.message}`));
    }
  }

  /** Progress figures: what came in, what each exporter has done, what is still queued. */
  snapshot(): { received: number; filtered: number; exporters: Array<ExporterBooks & { sent: number; failed: number; held: number }> } {
    const views = this.telemetry.views();
    const sum = (kind: ComponentKind, key: 'accepted' | 'filtered') => views.filter((v) => v.kind === kind).reduce((n, v) => n + v.counts[key], 0);
    return {
      received: sum('receiver', 'accepted'),
      filtered: sum('processor', 'filtered'),
      exporters: this.books().map((books, i) => ({ ...books, sent: books.delivered, failed: books.deadLettered, held: (this.#runners[i] as { runner: ExporterRunner }).runner.held })),
    };
  }

  /** Every exporter's books now: `resumed + accepted = delivered + deadLettered + lost + queued`. */
  books(): ExporterBooks[] {
    return this.#runners.map(({ pipeline, exporter, runner }) => ({ pipeline, exporter, ...runner.books() }));
  }

  /**
   * Stops receivers, lets every exporter deliver what is queued until `timeoutMs`, then
   * stops processors, exporters and logs. Idempotent; safe without start.
   */
  shutdown(options: { timeoutMs?: number } = {}): Promise<ShutdownReport> {
    this.#stopping ??= this.#shutdown(options.timeoutMs ?? this.#options.loaded.config.service.shutdownTimeoutMs);
    return this.#stopping;
  }

  async #shutdown(timeoutMs: number): Promise<ShutdownReport> {
    const deadline = Date.now() + timeoutMs;
    await this.#settleAll(this.#receivers.map((r) => r.component));
    await Promise.all(this.#pipelines.map((p) => p.ingest?.close()));
    await this.#settleAll(this.#pipelines.flatMap((p) => p.processors.map((x) => x.component)));
    await Promise.all(this.#runners.map(({ runner }) => runner.drain(deadline)));
    const undelivered = this.#runners.filter(({ runner }) => runner.queued > 0).map(({ pipeline, exporter, runner }) => ({ pipeline, exporter, events: runner.queued }));
    this.#abort.abort();
    await Promise.all(this.#runners.map(({ runner }) => runner.stop()));
    await this.#settleAll([...this.#exporters.values()].map((e) => e.component));
    await Promise.all(this.#pipelines.map((p) => p.log?.close()));
    const durable = this.#options.loaded.config.storage !== undefined;
    const books = this.books();
    for (const b of books) this.#reportBooks(b, durable);
    for (const u of undelivered) {
      const where = `exporter "${u.exporter}" in pipeline "${u.pipeline}"`;
      if (durable) this.#logger.warn(`${u.events} events not yet delivered to ${where}; they stay queued on disk for the next start`);
      else this.#logger.error(`${u.events} events could not be delivered to ${where} before the shutdown deadline and are lost (no storage configured)`);
    }
    this.#logger.info('collector stopped');
    return { undelivered, durable, books };
  }

  /** One line per exporter that says where every event went; one that does not add up is a bug, said loudly. */
  #reportBooks(b: ExporterBooks, durable: boolean): void {
    const fields = { pipeline: b.pipeline, exporter: b.exporter, resumed: b.resumed, accepted: b.accepted, delivered: b.delivered, deadLettered: b.deadLettered, lost: b.lost, queued: b.queued };
    const where = `exporter "${b.exporter}" in pipeline "${b.pipeline}"`;
    const terms = `${b.resumed} queued at start + ${b.accepted} accepted = ${b.delivered} delivered + ${b.deadLettered} dead-lettered + ${b.lost} lost to damage + ${b.queued} ${durable ? 'still queued' : 'undelivered'}`;
    if (booksBalance(b)) this.#logger.info(`books for ${where}: ${terms}`, { books: 'balanced', ...fields });
    else this.#logger.error(`books for ${where} do not balance: ${terms}. This is a bug in Ferry; please report it with this line`, { books: 'unbalanced', ...fields });
  }

  async #settleAll(components: ReadonlyArray<GuardedComponent<{ shutdown?(): Promise<void> }>>): Promise<void> {
    await Promise.all(
      components.map(async (component) => {
        try {
          await component.shutdown();
        } catch (error) {
          this.#logger.error(`${component.label} failed to shut down cleanly`, { error: (error as Error).message });
        }
      }),
    );
  }
}
