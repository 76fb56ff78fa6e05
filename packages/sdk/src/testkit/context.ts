import { metrics } from '@opentelemetry/api';
import type { TObject, Static } from '../schema.js';
import { compileConfigSchema } from '../validation.js';
import type { ComponentContext, DeliveryProgress, EventConsumer, ExporterContext, Logger, RawDeadLetter, ReceiverContext } from '../component.js';
import type { FerryEvent } from '../event.js';
import type { ConfigProblem } from '../config-problem.js';

export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** A context like the host's, recording what the component logs, counts and reports. */
export interface TestContext<Config> extends ReceiverContext<Config>, ExporterContext<Config> {
  readonly logs: LogLine[];
  readonly counts: Map<string, number>;
  readonly reported: Error[];
  /** Everything handed to `next.consume`, in order. */
  readonly received: FerryEvent[];
  /** Everything handed to `deadLetter`, in order. */
  readonly deadLettered: RawDeadLetter[];
  /** Aborts `signal`, as the host does at shutdown. */
  abort(): void;
}

export interface TestContextOptions {
  readonly id?: string;
  readonly storageDirectory?: string;
  /** Replaces the recording consumer (to inject backpressure, say). */
  readonly next?: EventConsumer;
  /** What `progress` answers (default: no exporter reads any pipeline). */
  readonly progress?: DeliveryProgress;
}

/** Applies the schema's defaults and checks the config exactly as the host does; throws on an invalid config. */
export function resolveConfig<Schema extends TObject>(schema: Schema, config: unknown): Static<Schema> {
  const filled = structuredClone(config ?? {});
  const validate = compileConfigSchema(schema);
  if (!validate(filled)) {
    throw new Error(`invalid config: ${(validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`).join('; ')}`);
  }
  return filled as Static<Schema>;
}

/** Whether the host's schema check would accept this config (see `configProblems` for the definition's own checks too). */
export function acceptsConfig(schema: TObject, config: unknown): boolean {
  return compileConfigSchema(schema)(structuredClone(config ?? {}));
}

/**
 * Every problem the host would report for these options, as `<path>: <problem>` lines: the
 * schema's, then — when the schema accepts them — the definition's own `validate`, run on
 * the options with defaults filled (as `ferry validate` and `ferry run` do). `[]`: accepted.
 */
export function configProblems(definition: ConfigurableDefinition<TObject>, config: unknown): string[] {
  const filled = structuredClone(config ?? {});
  const validate = compileConfigSchema(definition.configSchema);
  if (!validate(filled)) return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);
  // Frozen, as a pure check needs them: one that writes to its options throws here.
  return definition.validate(deepFreeze(filled) as never).map(formatProblem);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function formatProblem(problem: ConfigProblem): string {
  return `${problem.path || '(options)'}: ${problem.problem}${problem.hint === undefined ? '' : ` — ${problem.hint}`}`;
}

/** What resolving a component's options needs of its definition (any kind). */
export interface ConfigurableDefinition<Schema extends TObject> {
  readonly configSchema: Schema;
  validate(config: never): readonly ConfigProblem[];
}

/** The options as the host would hand them to `create`: defaults filled, checked by the schema and `validate`; throws when refused. */
export function resolveComponentConfig<Schema extends TObject>(definition: ConfigurableDefinition<Schema>, config: unknown): Static<Schema> {
  const problems = configProblems(definition, config);
  if (problems.length > 0) throw new Error(`invalid config: ${problems.join('; ')}`);
  return resolveConfig(definition.configSchema, config);
}

export function createTestContext<Config>(config: Config, options: TestContextOptions = {}): TestContext<Config> {
  const logs: LogLine[] = [];
  const counts = new Map<string, number>();
  const reported: Error[] = [];
  const received: FerryEvent[] = [];
  const deadLettered: RawDeadLetter[] = [];
  const controller = new AbortController();
  const logger = (bound: Record<string, unknown>): Logger => {
    const at = (level: LogLine['level']) => (message: string, fields: Readonly<Record<string, unknown>> = {}) => {
      logs.push({ level, message, fields: { ...bound, ...fields } });
    };
    return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (more) => logger({ ...bound, ...more }) };
  };
  const id = options.id ?? 'test';
  const context: ComponentContext<Config> = {
    id,
    config,
    logger: logger({ component: id }),
    telemetry: {
      count: (name, value = 1) => counts.set(name, (counts.get(name) ?? 0) + value),
      meter: metrics.getMeter(`ferry.test.${id}`),
    },
    storage: options.storageDirectory === undefined ? undefined : { directory: options.storageDirectory },
    signal: controller.signal,
    reportError: (error) => reported.push(error),
  };
  const next: EventConsumer = options.next ?? {
    consume: async (events) => {
      received.push(...events);
    },
  };
  const progress: DeliveryProgress = options.progress ?? { of: () => undefined };
  const deadLetter = async (letter: RawDeadLetter): Promise<void> => {
    deadLettered.push({ ...letter, bytes: Uint8Array.from(letter.bytes) });
  };
  return { ...context, next, deadLetter, progress, logs, counts, reported, received, deadLettered, abort: () => controller.abort() };
}
