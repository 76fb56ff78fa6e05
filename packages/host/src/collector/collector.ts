import { mkdir } from 'node:fs/promises';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { isConfigError, RetryableError, type ComponentKind, type Logger } from '@ferry/sdk';
import type { LoadedConfig, PipelineConfig } from '../config/types.js';
import type { EventLog } from '../log/types.js';
import { MemoryLog } from '../log/memory-log.js';
import { DiskLog } from '../log/disk/disk-log.js';
import { PipelineIngest } from '../pipeline/ingest.js';
import { ReceiverConsumer } from '../pipeline/receiver-consumer.js';
import { booksBalance, ExporterRunner, type Books } from '../delivery/runner.js';
import type { LogCursor } from '../log/types.js';
import { planReload, type ReloadPlan } from './reload-plan.js';
import { createForReload, ingestProcessors, type Created } from './reload-build.js';
import { LoggedDeadLetters, type DeadLetterSink } from '../delivery/dead-letters.js';
import { DiskDeadLetters } from '../deadletters/store.js';
import { Telemetry, type ComponentRecorder } from '../telemetry/metrics.js';
import { buildExporters, buildProcessors, buildReceiver, deliveryFor, pipelineBatching, type BuildEnvironment, type BuiltExporter, type BuiltProcessor, type BuiltReceiver } from './build.js';
import { ComponentFailedError } from './errors.js';
import { observeExporter, observeLog, type ObservedCollector } from './observe.js';
import { label, safeName } from './context.js';
import type { GuardedComponent } from './guarded.js';

/** What a ConfigError reported by (or met at the export of) each kind of component leads to, for its log line. */
const CONFIG_ERROR_CONSEQUENCE: Record<ComponentKind, string> = {
  receiver: '; it has stopped reading (Ferry exits when no receiver is left)',
  processor: '',
  exporter: '; its events stay queued, not dead-lettered, until it delivers again or a reload (SIGHUP) with a fixed config replaces it',
};

export interface CollectorOptions {
  readonly loaded: Pick<LoadedConfig, 'config' | 'registry'>;
  readonly logger: Logger;
  readonly telemetry?: Telemetry;
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
  processors: readonly BuiltProcessor[];
  log: EventLog | undefined;
  ingest: PipelineIngest | undefined;
}

/**
 * One exporter's place in one pipeline: what outlives the runner that reads it (a reload
 * may replace the runner) — the cursor, the counts and the baseline of the books.
 */
interface Seat {
  readonly pipeline: string;
  readonly exporter: string;
  readonly cursor: LogCursor;
  readonly recorder: ComponentRecorder;
  /** Queued for it when its books began. */
  readonly resumed: number;
  /** The pipeline's appended count when its books began. */
  readonly acceptedFrom: number;
  runner: ExporterRunner | undefined;
}

/** What a reload did, or why it did nothing. */
export interface ReloadReport {
  readonly applied: boolean;
  /** When not applied: every reason, in plain words (the old config keeps running). */
  readonly refused: readonly string[];
  readonly plan: ReloadPlan | undefined;
}


/**
 * The running collector: components built from a resolved config, started exporters
 * first and receivers last, stopped in reverse so that every batch in flight drains into
 * a live exporter. A reload applies a new config component by component (see `reload`).
 * Emits `fatal` (with an Error) when no receiver is left working.
 */
export class Collector extends EventEmitter<{ fatal: [Error] }> {
  readonly telemetry: Telemetry;
  readonly #options: CollectorOptions;
  readonly #logger: Logger;
  readonly #abort = new AbortController();
  #loaded: Pick<LoadedConfig, 'config' | 'registry'>;
  readonly #exporters: Map<string, BuiltExporter>;
  readonly #pipelines: Pipeline[];
  readonly #receivers: BuiltReceiver[] = [];
  readonly #seats: Seat[] = [];
  readonly #failed = new Set<string>();
  readonly #damagedRecords;
  #deadLetters: DeadLetterSink | undefined;
  #starting: Promise<void> | undefined;
  #stopping: Promise<ShutdownReport> | undefined;
  #reloading: Promise<unknown> = Promise.resolve();

  /** Builds every component (no I/O happens here); throws ComponentFailedError naming the one that cannot be created. */
  constructor(options: CollectorOptions) {
    super();
    this.#options = options;
    this.#loaded = options.loaded;
    this.#logger = options.logger;
    this.telemetry = options.telemetry ?? new Telemetry();
    this.#damagedRecords = this.telemetry.meter.createCounter('ferry.log.damaged_records', { description: 'Damaged stretches found in a pipeline log (each counted once); the events they held are counted per exporter as lost.' });
    const { config } = options.loaded;
    const env = this.#environment(options.loaded);
    const pipelineEntries = Object.entries(config.service.pipelines);
    this.#exporters = buildExporters(env, new Set(pipelineEntries.flatMap(([, p]) => p.exporters)));
    this.#pipelines = pipelineEntries.map(([name, p]) => ({ name, processors: buildProcessors(env, name, p.processors), log: undefined, ingest: undefined }));
    for (const id of new Set(pipelineEntries.flatMap(([, p]) => p.receivers))) this.#receivers.push(this.#buildReceiver(env, id));
  }

  #environment(loaded: Pick<LoadedConfig, 'config' | 'registry'>): BuildEnvironment {
    return {
      loaded,
      logger: this.#logger,
      telemetry: this.telemetry,
      signal: this.#abort.signal,
      onComponentError: (kind, id, error) => this.#componentError(kind, id, error),
      progress: { of: (exporter, pipeline) => this.#seats.find((s) => s.exporter === exporter && s.pipeline === pipeline)?.runner?.progress() },
    };
  }

  #buildReceiver(env: BuildEnvironment, id: string): BuiltReceiver {
    const pipelines = Object.entries(env.loaded.config.service.pipelines)
      .filter(([, p]) => p.receivers.includes(id))
      .map(([name]) => name);
    const targets = () => pipelines.map((name) => this.#pipelines.find((p) => p.name === name)?.ingest as PipelineIngest);
    return buildReceiver(env, id, pipelines, (recorder) => {
      let consumer: ReceiverConsumer | undefined;
      // Pipelines get their ingest at start; receivers only consume after that.
      return { consume: (events, options) => (consumer ??= new ReceiverConsumer(targets(), recorder)).consume(events, options) };
    });
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
    const storage = this.#loaded.config.storage;
    if (storage) await mkdir(storage.directory, { recursive: true });
    for (const exporter of this.#exporters.values()) await this.#startComponent(exporter.component, true);
    for (const pipeline of this.#pipelines) {
      await this.#openPipeline(pipeline);
      for (const exporter of this.#loaded.config.service.pipelines[pipeline.name]?.exporters ?? []) await this.#startSeat(pipeline.name, exporter);
      this.#linkExporters(pipeline);
    }
    for (const receiver of this.#receivers) await this.#startComponent(receiver.component, false);
    this.#logger.info('collector started', {
      pipelines: this.#pipelines.map((p) => p.name),
      persistence: storage ? storage.directory : 'off (events in memory only)',
    });
  }

  /** Opens the pipeline's log, restores its processors' state from it, starts them, and sets up its entry. */
  async #openPipeline(pipeline: Pipeline): Promise<void> {
    const storage = this.#loaded.config.storage;
    const directory = storage ? join(storage.directory, 'pipelines', safeName(pipeline.name)) : undefined;
    pipeline.log = await (this.#options.openLog ?? this.#defaultLog)(pipeline.name, directory);
    // Shown at 0 from the start, so an alert on damage works before the first is found.
    this.#damagedRecords.add(0, { pipeline: pipeline.name });
    const restored = pipeline.log.restoredState;
    for (const processor of pipeline.processors) {
      const state = restored?.[processor.id];
      if (state !== undefined) processor.component.instance.restore?.(state);
      await this.#startComponent(processor.component, false);
    }
    pipeline.ingest = new PipelineIngest(pipeline.name, ingestProcessors(pipeline.processors), pipeline.log, this.#logger.child({ pipeline: pipeline.name }));
  }

  /** Without storage the log lives in memory; with it, on disk under the pipeline's directory. */
  readonly #defaultLog = async (pipeline: string, directory: string | undefined): Promise<EventLog> => {
    const storage = this.#loaded.config.storage;
    if (storage === undefined || directory === undefined) return new MemoryLog({ maxBytes: this.#loaded.config.service.memoryMaxBytes });
    return DiskLog.open({
      directory,
      fsync: storage.fsync,
      fsyncIntervalMs: storage.fsyncIntervalMs,
      maxBytes: storage.maxBytes,
      cacheBytes: storage.cacheBytes,
      segmentBytes: storage.segmentBytes,
      cursorNames: (this.#loaded.config.service.pipelines[pipeline]?.exporters ?? []).filter((id) => this.#exporters.get(id)?.delivery.queue.type !== 'memory'),
      logger: this.#logger.child({ pipeline }),
      onDamage: (exporter, loss, newStretches) => {
        if (newStretches > 0) this.#damagedRecords.add(newStretches, { pipeline });
        this.#seats.find((s) => s.pipeline === pipeline && s.exporter === exporter)?.recorder.add('lost', loss.to - loss.from);
      },
    });
  };

  #deadLetterSink(): DeadLetterSink {
    const storage = this.#loaded.config.storage;
    this.#deadLetters ??= this.#options.deadLetters ?? (storage ? new DiskDeadLetters(storage.directory, this.#logger, this.#abort.signal) : new LoggedDeadLetters(this.#logger));
    return this.#deadLetters;
  }

  /** Starts a runner for the exporter in the pipeline: on the seat it had (a reload), or a new one. */
  async #startSeat(pipelineName: string, exporterId: string): Promise<void> {
    const pipeline = this.#pipelines.find((p) => p.name === pipelineName) as Pipeline;
    const log = pipeline.log as EventLog;
    const ingest = pipeline.ingest as PipelineIngest;
    const exporter = this.#exporters.get(exporterId) as BuiltExporter;
    let seat = this.#seats.find((s) => s.pipeline === pipelineName && s.exporter === exporterId);
    if (seat === undefined) {
      const durable = exporter.delivery.queue.type !== 'memory';
      if (durable) await log.ensureCursor(exporterId);
      const cursor = log.cursor(exporterId, { durable });
      seat = { pipeline: pipelineName, exporter: exporterId, cursor, recorder: this.telemetry.component('exporter', exporterId, pipelineName), resumed: log.endSeq - cursor.committed, acceptedFrom: ingest.appended, runner: undefined };
      this.#seats.push(seat);
    }
    const { acceptedFrom } = seat;
    seat.runner = new ExporterRunner({
      pipeline: pipelineName,
      exporterId,
      exporter: exporter.component.instance,
      gate: exporter.gate,
      cursor: seat.cursor,
      endSeq: () => log.endSeq,
      accepted: () => ingest.appended - acceptedFrom,
      resumed: seat.resumed,
      nextAppend: () => log.nextAppend(),
      pushBack: ingest.pushBack,
      delivery: deliveryFor(exporter, pipelineBatching(pipeline.processors)),
      recorder: seat.recorder,
      logger: this.#logger.child({ component: `exporter/${exporterId}`, pipeline: pipelineName }),
      deadLetters: this.#deadLetterSink(),
      hold: exporter.hold,
    });
    seat.runner.start();
  }

  /** The exporters whose full queue (`whenFull: block`) makes the pipeline's receivers wait. */
  #linkExporters(pipeline: Pipeline): void {
    (pipeline.ingest as PipelineIngest).exporters = this.#seats.filter((s) => s.pipeline === pipeline.name && s.runner !== undefined).map((s) => s.runner as ExporterRunner);
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
    const configuration = isConfigError(error);
    this.#logger.error(`${name} ${configuration ? 'has a configuration problem' : 'reported an error'}: ${error.message}${configuration ? CONFIG_ERROR_CONSEQUENCE[kind] : ''}`);
    if (kind !== 'receiver' || !configuration) return;
    this.#failed.add(id);
    if (this.#receivers.every((r) => this.#failed.has(r.id))) {
      this.emit('fatal', new Error(`no receiver is working: ${name}: ${error.message}`));
    }
  }

  /**
   * Applies a new config while running, changing only what changed: receivers, exporters
   * and pipelines that are new, gone or configured differently. A runner being replaced
   * stops cutting batches, lets those in flight finish (until `service.shutdownTimeoutMs`),
   * and its successor reads on from the same cursor — batches that did not finish are cut
   * again exactly as before — so a reload loses and doubles nothing. Every new component is
   * created before anything stops: one that cannot be created refuses the whole reload and
   * the old config keeps running. Reloads run one at a time.
   */
  reload(next: Pick<LoadedConfig, 'config' | 'registry'>): Promise<ReloadReport> {
    const run = this.#reloading.then(() => this.#reload(next));
    this.#reloading = run.catch(() => undefined);
    return run;
  }

  async #reload(next: Pick<LoadedConfig, 'config' | 'registry'>): Promise<ReloadReport> {
    if (this.#stopping !== undefined || this.#starting === undefined) return { applied: false, refused: ['the collector is not running'], plan: undefined };
    await this.#starting;
    const plan = planReload(this.#loaded.config, next.config);
    if (plan.refused.length > 0) return { applied: false, refused: plan.refused, plan };
    if (plan.unchanged) {
      this.#loaded = next;
      return { applied: true, refused: [], plan };
    }
    const env = this.#environment(next);
    let created: Created;
    try {
      created = createForReload(env, plan, (id) => this.#buildReceiver(env, id));
    } catch (error) {
      return { applied: false, refused: [(error as Error).message], plan };
    }
    const deadline = Date.now() + next.config.service.shutdownTimeoutMs;
    const removedReceivers = new Set([...plan.receivers.remove, ...plan.receivers.restart]);
    await this.#settleAll(this.#receivers.filter((r) => removedReceivers.has(r.id)).map((r) => r.component));
    this.#receivers.splice(0, this.#receivers.length, ...this.#receivers.filter((r) => !removedReceivers.has(r.id)));
    for (const id of removedReceivers) this.#failed.delete(id);

    for (const name of plan.pipelines.reprocess) await this.#reprocess(name, created.processors.get(name) as BuiltProcessor[]);
    await Promise.all(plan.stopSeats.map((s) => this.#stopSeat(s, deadline)));
    for (const s of plan.retiredSeats) this.#retireSeat(s);

    const goneExporters = [...plan.exporters.remove, ...plan.exporters.restart];
    await this.#settleAll(goneExporters.map((id) => (this.#exporters.get(id) as BuiltExporter).component));
    for (const id of goneExporters) this.#exporters.delete(id);
    for (const [id, exporter] of created.exporters) {
      this.#exporters.set(id, exporter);
      await this.#startComponent(exporter.component, true);
    }

    for (const name of plan.pipelines.remove) await this.#closePipeline(name);
    this.#loaded = next;
    for (const name of plan.pipelines.add) {
      const pipeline: Pipeline = { name, processors: created.processors.get(name) as BuiltProcessor[], log: undefined, ingest: undefined };
      this.#pipelines.push(pipeline);
      await this.#openPipeline(pipeline);
    }
    for (const s of plan.startSeats) await this.#startSeat(s.pipeline, s.exporter);
    for (const pipeline of this.#pipelines) this.#linkExporters(pipeline);

    for (const receiver of created.receivers) {
      this.#receivers.push(receiver);
      await this.#startComponent(receiver.component, false);
    }
    return { applied: true, refused: [], plan };
  }

  /** Swaps a pipeline's processors between two batches, each new one starting from its predecessor's state. */
  async #reprocess(name: string, next: readonly BuiltProcessor[]): Promise<void> {
    const pipeline = this.#pipelines.find((p) => p.name === name) as Pipeline;
    const old = pipeline.processors;
    await (pipeline.ingest as PipelineIngest).replaceProcessors(ingestProcessors(next), async () => {
      for (const processor of next) {
        const state = old.find((p) => p.id === processor.id)?.component.instance.snapshot?.();
        if (state !== undefined) processor.component.instance.restore?.(state);
      }
      await this.#settleAll(old.map((p) => p.component));
      for (const processor of next) await this.#startComponent(processor.component, false);
    });
    pipeline.processors = next;
  }

  /** Stops a seat's runner once its batches in flight finish (or at the deadline); its cursor goes back to what is committed. */
  async #stopSeat(s: { pipeline: string; exporter: string }, deadline: number): Promise<void> {
    const seat = this.#seats.find((x) => x.pipeline === s.pipeline && x.exporter === s.exporter);
    if (seat?.runner === undefined) return;
    await seat.runner.retire(deadline);
    seat.runner = undefined;
    seat.cursor.rewind();
  }

  /** A seat whose exporter no longer reads the pipeline: its books are reported, its backlog kept (durably) and said so. */
  #retireSeat(s: { pipeline: string; exporter: string }): void {
    const index = this.#seats.findIndex((x) => x.pipeline === s.pipeline && x.exporter === s.exporter);
    if (index === -1) return;
    const seat = this.#seats[index] as Seat;
    const pipeline = this.#pipelines.find((p) => p.name === s.pipeline) as Pipeline;
    const books = this.#booksOf(seat, pipeline);
    this.#reportBooks(books, this.#loaded.config.storage !== undefined);
    const left = (pipeline.log as EventLog).retire(seat.cursor);
    this.#seats.splice(index, 1);
    if (left === 0) return;
    const where = `exporter "${s.exporter}" was removed from pipeline "${s.pipeline}"`;
    if (this.#loaded.config.storage !== undefined) this.#logger.warn(`${where} with ${left} events it had not received: they stay in the log until the next start (add it back to deliver them; at the next start without it they are let go)`, { exporter: s.exporter, pipeline: s.pipeline, events: left });
    else this.#logger.error(`${where} with ${left} events it had not received: they are dropped (no storage configured)`, { exporter: s.exporter, pipeline: s.pipeline, events: left });
  }

  async #closePipeline(name: string): Promise<void> {
    const index = this.#pipelines.findIndex((p) => p.name === name);
    const pipeline = this.#pipelines[index] as Pipeline;
    await pipeline.ingest?.close();
    await this.#settleAll(pipeline.processors.map((p) => p.component));
    await pipeline.log?.close();
    this.#pipelines.splice(index, 1);
  }

  /** Progress figures: what came in, what each exporter has done, what is still queued. */
  snapshot(): { received: number; filtered: number; exporters: Array<ExporterBooks & { sent: number; failed: number; held: number }> } {
    const views = this.telemetry.views();
    const sum = (kind: ComponentKind, key: 'accepted' | 'filtered') => views.filter((v) => v.kind === kind).reduce((n, v) => n + v.counts[key], 0);
    return {
      received: sum('receiver', 'accepted'),
      filtered: sum('processor', 'filtered'),
      exporters: this.#activeSeats().map((seat) => {
        const books = this.#booksOf(seat);
        return { ...books, sent: books.delivered, failed: books.deadLettered, held: seat.runner?.held ?? 0 };
      }),
    };
  }

  /** What telemetry shows (metrics, status, the page, `ferry top`): each pipeline's log and each exporter's queue now. */
  observe(): ObservedCollector {
    const { config } = this.#loaded;
    const capacity = config.storage?.maxBytes ?? config.service.memoryMaxBytes;
    return {
      pipelines: this.#pipelines.map((p) => ({ name: p.name, ...(config.service.pipelines[p.name] as PipelineConfig), log: p.log === undefined ? undefined : observeLog(p.log, capacity) })),
      exporters: this.#activeSeats().map((seat) => observeExporter(this.#booksOf(seat), seat.runner as ExporterRunner, seat.cursor, (this.#exporters.get(seat.exporter) as BuiltExporter).delivery.queue, capacity)),
    };
  }

  /** Every exporter's books now: `resumed + accepted = delivered + deadLettered + lost + queued`. */
  books(): ExporterBooks[] {
    return this.#activeSeats().map((seat) => this.#booksOf(seat));
  }

  #activeSeats(): Seat[] {
    return this.#seats.filter((s) => s.runner !== undefined);
  }

  #booksOf(seat: Seat, pipeline = this.#pipelines.find((p) => p.name === seat.pipeline)): ExporterBooks {
    if (seat.runner !== undefined) return { pipeline: seat.pipeline, exporter: seat.exporter, ...seat.runner.books() };
    // Between runners (a reload), the same terms from the seat itself.
    const { counts } = seat.recorder;
    const log = pipeline?.log as EventLog;
    const queued = log.endSeq - seat.cursor.committed - seat.cursor.uncommittedLoss;
    return { pipeline: seat.pipeline, exporter: seat.exporter, resumed: seat.resumed, accepted: (pipeline?.ingest?.appended ?? 0) - seat.acceptedFrom, delivered: counts.sent, deadLettered: counts.failed, lost: seat.cursor.lostToDamage, queued };
  }

  /**
   * Stops receivers, lets every exporter deliver what is queued until `timeoutMs`, then
   * stops processors, exporters and logs. Idempotent; safe without start.
   */
  shutdown(options: { timeoutMs?: number } = {}): Promise<ShutdownReport> {
    this.#stopping ??= this.#shutdown(options.timeoutMs ?? this.#loaded.config.service.shutdownTimeoutMs);
    return this.#stopping;
  }

  async #shutdown(timeoutMs: number): Promise<ShutdownReport> {
    await this.#reloading;
    const deadline = Date.now() + timeoutMs;
    await this.#settleAll(this.#receivers.map((r) => r.component));
    await Promise.all(this.#pipelines.map((p) => p.ingest?.close()));
    await this.#settleAll(this.#pipelines.flatMap((p) => p.processors.map((x) => x.component)));
    const runners = this.#activeSeats().map((s) => s.runner as ExporterRunner);
    await Promise.all(runners.map((runner) => runner.drain(deadline)));
    const undelivered = this.#activeSeats()
      .filter((s) => (s.runner as ExporterRunner).queued > 0)
      .map(({ pipeline, exporter, runner }) => ({ pipeline, exporter, events: (runner as ExporterRunner).queued }));
    this.#abort.abort();
    await Promise.all(runners.map((runner) => runner.stop()));
    await this.#settleAll([...this.#exporters.values()].map((e) => e.component));
    await Promise.all(this.#pipelines.map((p) => p.log?.close()));
    const durable = this.#loaded.config.storage !== undefined;
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
