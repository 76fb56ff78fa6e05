import type { IngestProcessor } from '../pipeline/ingest.js';
import { buildExporters, buildProcessors, type BuildEnvironment, type BuiltExporter, type BuiltProcessor, type BuiltReceiver } from './build.js';
import type { ReloadPlan } from './reload-plan.js';

/** The components a reload needs, made before anything running is stopped. */
export interface Created {
  readonly exporters: Map<string, BuiltExporter>;
  /** By pipeline: every processor of a new pipeline, or of one whose processors changed. */
  readonly processors: Map<string, BuiltProcessor[]>;
  readonly receivers: BuiltReceiver[];
}

export function ingestProcessors(processors: readonly BuiltProcessor[]): IngestProcessor[] {
  return processors.map((p) => ({ id: p.id, instance: p.component.instance, recorder: p.recorder }));
}

/**
 * Creates every component the plan adds or restarts (with the new config). `create()` does
 * no I/O, so nothing needs undoing when one of them throws: the reload is refused with
 * the error, which names the component, and the running config stays as it was.
 */
export function createForReload(env: BuildEnvironment, plan: ReloadPlan, buildReceiver: (id: string) => BuiltReceiver): Created {
  const { pipelines } = env.loaded.config.service;
  const exporters = buildExporters(env, new Set([...plan.exporters.add, ...plan.exporters.restart]));
  const processors = new Map<string, BuiltProcessor[]>();
  for (const name of [...plan.pipelines.add, ...plan.pipelines.reprocess]) processors.set(name, buildProcessors(env, name, pipelines[name]?.processors ?? []));
  const receivers = [...plan.receivers.add, ...plan.receivers.restart].map(buildReceiver);
  return { exporters, processors, receivers };
}
