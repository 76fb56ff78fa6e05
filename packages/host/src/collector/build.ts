import { join } from 'node:path';
import type { BatchPolicy, ComponentKind, DeliveryProgress, Exporter, ExporterDefinition, Logger, Processor, ProcessorDefinition, Receiver, ReceiverDefinition } from '@ferry/sdk';
import type { LoadedConfig, ResolvedConfig } from '../config/types.js';
import { typeOf } from '../config/types.js';
import type { Registry } from '../plugins/registry.js';
import { ExporterGate } from '../delivery/gate.js';
import { ConfigHold } from '../delivery/config-hold.js';
import type { DeliveryOptions } from '../delivery/policy.js';
import { resolveBatchPolicy } from '../delivery/policy.js';
import type { Telemetry, ComponentRecorder } from '../telemetry/metrics.js';
import { componentContext, exporterContext, label, safeName } from './context.js';
import { ComponentFailedError } from './errors.js';
import { GuardedComponent } from './guarded.js';
import { receiverDeadLetters } from '../deadletters/receiver-letters.js';
import { electedReceiver, splitReceiverConfig } from '../receivers/leader-election.js';
import { splitExporterConfig } from './split-exporter-config.js';

export interface BuiltExporter {
  readonly id: string;
  readonly component: GuardedComponent<Exporter>;
  readonly gate: ExporterGate;
  /** Reports a ConfigError met at export, once per streak, as the exporter's own `ctx.reportError` would. */
  readonly hold: ConfigHold;
  /** Batching the user set on this exporter (none of it defaulted). */
  readonly ownBatching: BatchPolicy;
  readonly batchDefaults: BatchPolicy;
  readonly limits: { readonly maxBatchSize?: number; readonly maxBatchBytes?: number };
  readonly delivery: Omit<DeliveryOptions, 'batch'>;
}

export interface BuiltProcessor {
  readonly id: string;
  readonly pipeline: string;
  readonly component: GuardedComponent<Processor>;
  readonly recorder: ComponentRecorder;
}

export interface BuiltReceiver {
  readonly id: string;
  readonly component: GuardedComponent<Receiver>;
  readonly recorder: ComponentRecorder;
  readonly pipelines: readonly string[];
}

export interface BuildEnvironment {
  readonly loaded: Pick<LoadedConfig, 'config' | 'registry'>;
  readonly logger: Logger;
  readonly telemetry: Telemetry;
  readonly signal: AbortSignal;
  readonly onComponentError: (kind: ComponentKind, id: string, error: Error) => void;
  /** What exporters learn of each other's delivery (answers once the pipelines run). */
  readonly progress: DeliveryProgress;
}

function definitionOf<D>(registry: Registry, kind: ComponentKind, id: string): D {
  const found = registry.get(kind, typeOf(id));
  // The config was validated against this registry, so a missing type is a host bug.
  if (found === undefined) throw new Error(`no ${kind} type "${typeOf(id)}" (validated config out of step with the registry)`);
  return found.definition as D;
}

function storageDirectory(config: ResolvedConfig, ...parts: string[]): string | undefined {
  return config.storage === undefined ? undefined : join(config.storage.directory, 'components', ...parts.map(safeName));
}

function create<C>(kind: ComponentKind, id: string, make: () => C): C {
  try {
    return make();
  } catch (error) {
    throw new ComponentFailedError('FERRY_CREATE_FAILED', label(kind, id), error);
  }
}

/** Exporters are shared by every pipeline that lists them: one instance each. */
export function buildExporters(env: BuildEnvironment, ids: ReadonlySet<string>): Map<string, BuiltExporter> {
  const { config, registry } = env.loaded;
  const built = new Map<string, BuiltExporter>();
  for (const id of ids) {
    const definition = definitionOf<ExporterDefinition>(registry, 'exporter', id);
    const { own, host: delivery } = splitExporterConfig(config.exporters[id] ?? {});
    const recorder = env.telemetry.component('exporter', id);
    const context = exporterContext(
      {
        kind: 'exporter',
        id,
        config: Object.freeze(own),
        logger: env.logger.child({ component: `exporter/${id}` }),
        recorder,
        storageDirectory: storageDirectory(config, 'exporter', id),
        signal: env.signal,
        onError: (error) => env.onComponentError('exporter', id, error),
      },
      env.progress,
    );
    const instance = create('exporter', id, () => definition.create(context));
    const { batchSize, maxBatchBytes, flushIntervalMs, ...sending } = delivery;
    built.set(id, {
      id,
      component: new GuardedComponent(label('exporter', id), instance),
      gate: new ExporterGate(sending.maxInFlight),
      hold: new ConfigHold(context.reportError),
      ownBatching: { batchSize, maxBatchBytes, flushIntervalMs },
      batchDefaults: definition.batchDefaults ?? {},
      limits: definition.limits ?? {},
      delivery: sending,
    });
  }
  return built;
}

/** Processors are per pipeline (their state, such as a hash chain, belongs to one pipeline). */
export function buildProcessors(env: BuildEnvironment, pipeline: string, ids: readonly string[]): BuiltProcessor[] {
  const { config, registry } = env.loaded;
  return ids.map((id) => {
    const definition = definitionOf<ProcessorDefinition>(registry, 'processor', id);
    const recorder = env.telemetry.component('processor', id, pipeline);
    const context = componentContext({
      kind: 'processor',
      id,
      config: config.processors[id] ?? {},
      logger: env.logger.child({ component: `processor/${id}`, pipeline }),
      recorder,
      storageDirectory: storageDirectory(config, 'processor', pipeline, id),
      signal: env.signal,
      onError: (error) => env.onComponentError('processor', id, error),
    });
    const instance = create('processor', id, () => definition.create(context));
    return { id, pipeline, component: new GuardedComponent(label('processor', id), instance), recorder };
  });
}

export function pipelineBatching(processors: readonly BuiltProcessor[]): BatchPolicy[] {
  return processors.map((p) => p.component.instance.batching).filter((b): b is BatchPolicy => b !== undefined);
}

export function deliveryFor(exporter: BuiltExporter, pipelineBatching: readonly BatchPolicy[]): DeliveryOptions {
  return { ...exporter.delivery, batch: resolveBatchPolicy(exporter.ownBatching, pipelineBatching, exporter.batchDefaults, exporter.limits) };
}

export function buildReceiver(
  env: BuildEnvironment,
  id: string,
  pipelines: readonly string[],
  next: (recorder: ComponentRecorder) => import('@ferry/sdk').EventConsumer,
): BuiltReceiver {
  const { config, registry } = env.loaded;
  const definition = definitionOf<ReceiverDefinition>(registry, 'receiver', id);
  const recorder = env.telemetry.component('receiver', id);
  // `leaderElection` is the host's: the plugin never sees it (as exporters never see their delivery options).
  const { own, host: { leaderElection: election } } = splitReceiverConfig(config.receivers[id] ?? {});
  const logger = env.logger.child({ component: `receiver/${id}` });
  const context = {
    ...componentContext({
      kind: 'receiver',
      id,
      config: Object.freeze(own),
      logger: env.logger.child({ component: `receiver/${id}` }),
      recorder,
      storageDirectory: storageDirectory(config, 'receiver', id),
      signal: env.signal,
      onError: (error) => env.onComponentError('receiver', id, error),
    }),
    next: next(recorder),
    deadLetter: receiverDeadLetters(config.storage?.directory, id, logger, env.signal),
  };
  const instance = create('receiver', id, () =>
    election === undefined ? definition.create(context) : electedReceiver({
          id,
          election,
          logger,
          create: (next) => definition.create({ ...context, next }),
          next: context.next,
          reportError: context.reportError,
          onRole: (role) => env.telemetry.observer?.role?.(id, role),
        }),
  );
  return { id, component: new GuardedComponent(label('receiver', id), instance), recorder, pipelines };
}
