import type { ComponentConfig, PipelineConfig, ResolvedConfig } from '../config/types.js';
import { byCodeUnits } from '../util/compare.js';

/** An exporter's place in one pipeline: one runner, one cursor. */
export interface Seat {
  readonly pipeline: string;
  readonly exporter: string;
}

/**
 * What a reload changes, component by component; everything not named keeps running
 * untouched (exporters keep their cursors and batches in flight, receivers their
 * connections, processors their state).
 */
export interface ReloadPlan {
  /** Why the new config cannot be applied while running (the old one keeps running). */
  readonly refused: readonly string[];
  readonly receivers: { readonly add: readonly string[]; readonly remove: readonly string[]; readonly restart: readonly string[] };
  readonly exporters: { readonly add: readonly string[]; readonly remove: readonly string[]; readonly restart: readonly string[] };
  readonly pipelines: {
    readonly add: readonly string[];
    readonly remove: readonly string[];
    /** Existing pipelines whose processors (list or any processor's options) changed: rebuilt, state carried over. */
    readonly reprocess: readonly string[];
  };
  /** Runners to stop: their exporter left the pipeline, the pipeline went, or the runner restarts. */
  readonly stopSeats: readonly Seat[];
  /** Runners to start: a new seat, or one restarting (it resumes from the same cursor). */
  readonly startSeats: readonly Seat[];
  /** Seats gone for good (their exporter no longer reads that pipeline): their backlog is kept and reported. */
  readonly retiredSeats: readonly Seat[];
  /** Nothing to do (the config is the same, or differs only in what applies in place). */
  readonly unchanged: boolean;
}

/** JSON with keys in a fixed order, so two configs that differ only in key order compare equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => byCodeUnits(a, b))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const same = (a: unknown, b: unknown) => canonical(a) === canonical(b);

function pipelinesOf(config: ResolvedConfig, kind: 'receivers' | 'exporters', id: string): string[] {
  return Object.entries(config.service.pipelines)
    .filter(([, p]) => p[kind].includes(id))
    .map(([name]) => name)
    .sort();
}

function usedIds(config: ResolvedConfig, kind: 'receivers' | 'exporters'): Set<string> {
  return new Set(Object.values(config.service.pipelines).flatMap((p) => p[kind]));
}

function seatsOf(config: ResolvedConfig): Seat[] {
  return Object.entries(config.service.pipelines).flatMap(([pipeline, p]) => p.exporters.map((exporter) => ({ pipeline, exporter })));
}

const key = (s: Seat) => `${s.pipeline}\u0000${s.exporter}`;

function processorsChanged(before: ResolvedConfig, after: ResolvedConfig, pipeline: string): boolean {
  const a = before.service.pipelines[pipeline] as PipelineConfig;
  const b = after.service.pipelines[pipeline] as PipelineConfig;
  if (!same(a.processors, b.processors)) return true;
  return b.processors.some((id) => !same(before.processors[id], after.processors[id]));
}

/**
 * Compares the running config with a new one. Storage cannot change while running (the
 * logs live there); everything else is applied component by component.
 */
export function planReload(before: ResolvedConfig, after: ResolvedConfig): ReloadPlan {
  const refused: string[] = [];
  if (!same(before.storage, after.storage)) refused.push('storage: cannot change while Ferry runs (the pipelines\' logs live there); restart Ferry to apply it');
  if (before.service.memoryMaxBytes !== after.service.memoryMaxBytes) refused.push('service.memoryMaxBytes: cannot change while Ferry runs (it bounds the pipelines\' logs, made at start); restart Ferry to apply it');

  const oldPipelines = Object.keys(before.service.pipelines);
  const newPipelines = Object.keys(after.service.pipelines);
  const addPipelines = newPipelines.filter((p) => !oldPipelines.includes(p));
  const removePipelines = oldPipelines.filter((p) => !newPipelines.includes(p));
  const reprocess = newPipelines.filter((p) => oldPipelines.includes(p) && processorsChanged(before, after, p));

  const diff = (kind: 'receivers' | 'exporters') => {
    const was = usedIds(before, kind);
    const is = usedIds(after, kind);
    const add = [...is].filter((id) => !was.has(id)).sort();
    const remove = [...was].filter((id) => !is.has(id)).sort();
    const restart = [...is]
      .filter((id) => was.has(id))
      .filter((id) => !same(before[kind][id] as ComponentConfig, after[kind][id] as ComponentConfig) || (kind === 'receivers' && !same(pipelinesOf(before, kind, id), pipelinesOf(after, kind, id))))
      .sort();
    return { add, remove, restart };
  };
  const receivers = diff('receivers');
  const exporters = diff('exporters');

  const oldSeats = new Map(seatsOf(before).map((s) => [key(s), s]));
  const newSeats = new Map(seatsOf(after).map((s) => [key(s), s]));
  // A seat restarts when its exporter restarts, or when its pipeline's processors change (they set its batching).
  const restarting = (s: Seat) => exporters.restart.includes(s.exporter) || reprocess.includes(s.pipeline);
  const retiredSeats = [...oldSeats.values()].filter((s) => !newSeats.has(key(s)));
  const kept = [...newSeats.values()].filter((s) => oldSeats.has(key(s)));
  const stopSeats = [...retiredSeats, ...kept.filter(restarting)];
  const startSeats = [...[...newSeats.values()].filter((s) => !oldSeats.has(key(s))), ...kept.filter(restarting)];

  const unchanged =
    refused.length === 0 &&
    [receivers, exporters].every((d) => d.add.length + d.remove.length + d.restart.length === 0) &&
    addPipelines.length + removePipelines.length + reprocess.length + stopSeats.length + startSeats.length === 0;
  return { refused, receivers, exporters, pipelines: { add: addPipelines, remove: removePipelines, reprocess }, stopSeats, startSeats, retiredSeats, unchanged };
}
