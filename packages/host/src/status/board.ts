import type { ComponentKind } from '@ferry/sdk';
import type { AttemptOutcome, ComponentObserver, ReceiverRole } from '../telemetry/metrics.js';
import { leaf, rollUp, type Condition, type Status, type StatusNode } from './rollup.js';

/** The collector's lifecycle as the status board sees it. */
export type Phase = 'starting' | 'running' | 'stopping' | 'stopped';

/** The pipelines to report on, with what keeps each from taking events, if anything. */
export interface PipelineShape {
  readonly name: string;
  readonly receivers: readonly string[];
  readonly processors: readonly string[];
  readonly exporters: readonly string[];
  /** Why the pipeline cannot take events now (disk refusing writes, log full), if it cannot. */
  readonly problem?: string;
}

export interface Readiness {
  readonly ready: boolean;
  /** Why not, in plain words. */
  readonly reasons: readonly string[];
}

const PHASE_STATUS: Record<Phase, Status> = { starting: 'starting', running: 'ok', stopping: 'stopping', stopped: 'stopped' };

function isConfigError(error: Error): boolean {
  return error.name === 'ConfigError';
}

function isPermanentRefusal(error: Error): boolean {
  return error.name === 'PermanentError';
}

/**
 * What `/status` and `/readyz` say, fed by the components as things happen (through
 * `ComponentObserver`) and by the collector's lifecycle:
 * - `reportError` with a ConfigError (rejected credentials, a missing table) is a
 *   permanent error; any other reported error is recoverable. A receiver's recoverable
 *   error clears once it hands in events again.
 * - An exporter's attempt that fails with a ConfigError is a permanent error; one that
 *   fails otherwise (unreachable, 5xx, 429, timeout) is recoverable, since the first
 *   failure of the streak. A delivered attempt clears either, since the destination now
 *   takes what it is sent. A batch refused for its content (PermanentError) says nothing
 *   about the destination's health: its events are dead-lettered and counted as such.
 * - A pipeline whose log cannot take events is in a recoverable error while that lasts.
 */
export class StatusBoard implements ComponentObserver {
  readonly #recoveryDurationMs: number;
  readonly #now: () => number;
  #phase: Phase = 'starting';
  #phaseSince: number;
  readonly #conditions = new Map<string, Condition>();
  readonly #pipelineProblems = new Map<string, Condition>();
  readonly #roles = new Map<string, ReceiverRole>();

  constructor(options: { recoveryDurationMs: number; now?: () => number }) {
    this.#recoveryDurationMs = options.recoveryDurationMs;
    this.#now = options.now ?? Date.now;
    this.#phaseSince = this.#now();
  }

  get phase(): Phase {
    return this.#phase;
  }

  setPhase(phase: Phase): void {
    if (phase === this.#phase) return;
    this.#phase = phase;
    this.#phaseSince = this.#now();
  }

  reported(kind: ComponentKind, id: string, error: Error): void {
    this.#set(`${kind}:${id}`, isConfigError(error) ? 'permanent_error' : 'recoverable_error', error.message);
  }

  attempted(exporter: string, outcome: AttemptOutcome): void {
    const key = `exporter:${exporter}`;
    const { error } = outcome;
    if (error === undefined || isPermanentRefusal(error)) {
      if (error === undefined) this.#conditions.delete(key);
      return;
    }
    this.#set(key, isConfigError(error) ? 'permanent_error' : 'recoverable_error', error.message);
  }

  accepted(receiver: string): void {
    const key = `receiver:${receiver}`;
    if (this.#conditions.get(key)?.status === 'recoverable_error') this.#conditions.delete(key);
  }

  role(receiver: string, role: ReceiverRole): void {
    this.#roles.set(`receiver:${receiver}`, role);
  }

  #set(key: string, status: Status, error: string): void {
    const current = this.#conditions.get(key);
    // A streak keeps its start; a worse status starts a new one.
    const since = current !== undefined && current.status === status ? current.since : this.#now();
    this.#conditions.set(key, { status, since, error });
  }

  #component(key: string, now: number): StatusNode {
    const condition = this.#conditions.get(key);
    const node =
      condition !== undefined && this.#phase !== 'stopped' ? leaf(condition, now, this.#recoveryDurationMs) : leaf({ status: PHASE_STATUS[this.#phase], since: this.#phaseSince }, now, this.#recoveryDurationMs);
    const role = this.#roles.get(key);
    return role === undefined ? node : { ...node, role };
  }

  #pipelineProblem(pipeline: PipelineShape, now: number): StatusNode | undefined {
    if (pipeline.problem === undefined) {
      this.#pipelineProblems.delete(pipeline.name);
      return undefined;
    }
    const since = this.#pipelineProblems.get(pipeline.name)?.since ?? now;
    const condition: Condition = { status: 'recoverable_error', since, error: pipeline.problem };
    this.#pipelineProblems.set(pipeline.name, condition);
    return leaf(condition, now, this.#recoveryDurationMs);
  }

  /** The whole tree: collector ← pipelines ← components, each with the worst status below it. */
  tree(pipelines: readonly PipelineShape[]): StatusNode {
    const now = this.#now();
    const nodes: Record<string, StatusNode> = {};
    for (const pipeline of pipelines) {
      const children: Record<string, StatusNode> = {};
      for (const [kind, ids] of [['receiver', pipeline.receivers], ['processor', pipeline.processors], ['exporter', pipeline.exporters]] as const) {
        for (const id of ids) children[`${kind}:${id}`] = this.#component(`${kind}:${id}`, now);
      }
      const problem = this.#pipelineProblem(pipeline, now);
      nodes[`pipeline:${pipeline.name}`] = rollUp(children, problem === undefined ? undefined : { key: 'log', node: problem });
    }
    // With no pipeline to speak for it (not yet built), the lifecycle does.
    if (pipelines.length === 0) return { ...leaf({ status: PHASE_STATUS[this.#phase], since: this.#phaseSince }, now, this.#recoveryDurationMs), components: nodes };
    return rollUp(nodes);
  }

  /**
   * Ready means every receiver can accept now: the collector is running (not starting or
   * draining), no receiver has failed for good, and every pipeline can take events. Never
   * about destinations: a destination down only queues events.
   */
  readiness(pipelines: readonly PipelineShape[]): Readiness {
    const reasons: string[] = [];
    if (this.#phase !== 'running') reasons.push(`the collector is ${this.#phase}`);
    for (const receiver of new Set(pipelines.flatMap((p) => p.receivers))) {
      const condition = this.#conditions.get(`receiver:${receiver}`);
      if (condition?.status === 'permanent_error') reasons.push(`receiver:${receiver} cannot accept: ${condition.error ?? 'failed'}`);
    }
    for (const pipeline of pipelines) if (pipeline.problem !== undefined) reasons.push(`pipeline:${pipeline.name} cannot take events: ${pipeline.problem}`);
    return { ready: reasons.length === 0, reasons };
  }
}
