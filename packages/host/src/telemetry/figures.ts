import type { ComponentKind } from '@ferry/sdk';
import type { ObservedCollector, ObservedLog } from '../collector/observe.js';
import { lagSeconds, type OldestPending } from '../delivery/lag.js';
import type { Status, StatusNode } from '../status/rollup.js';
import type { CountsView } from './metrics.js';

export interface ComponentFigures {
  readonly kind: ComponentKind;
  readonly id: string;
  /** Processors and exporters are counted per pipeline; receivers across their pipelines. */
  readonly pipeline: string | undefined;
  readonly status: Status;
  readonly counts: {
    readonly accepted: number;
    readonly refused: number;
    readonly filtered: number;
    readonly sent: number;
    readonly deadLettered: number;
    readonly retried: number;
    readonly lost: number;
    readonly failedAttempts: number;
  };
  /** Exporters: their queue now. */
  readonly queue?: { readonly events: number; readonly bytes: number; readonly inFlight: number; readonly lagSeconds: number; readonly lagKnown: OldestPending['known'] | undefined };
}

/** Everything the status page and `ferry top` show, in one answer (`/api/figures`). */
export interface Figures {
  readonly version: string;
  readonly startedAt: string;
  readonly at: string;
  readonly status: StatusNode;
  readonly pipelines: ReadonlyArray<{ readonly name: string; readonly receivers: readonly string[]; readonly processors: readonly string[]; readonly exporters: readonly string[]; readonly log: ObservedLog | undefined }>;
  readonly components: readonly ComponentFigures[];
}

type Counts = ComponentFigures['counts'];

function add(views: readonly CountsView[], kind: ComponentKind, id: string, pipeline: string | undefined): Counts {
  const total = { accepted: 0, refused: 0, filtered: 0, sent: 0, deadLettered: 0, retried: 0, lost: 0, failedAttempts: 0 };
  // A reload may give a component a new recorder: its figures are the sum of all of them.
  for (const v of views) {
    if (v.kind !== kind || v.id !== id || v.pipeline !== pipeline) continue;
    const c = v.counts;
    total.accepted += c.accepted;
    total.refused += c.refused;
    total.filtered += c.filtered;
    total.sent += c.sent;
    total.deadLettered += c.failed;
    total.retried += c.retried;
    total.lost += c.lost;
    total.failedAttempts += c.failedAttempts;
  }
  return total;
}

function statusOf(tree: StatusNode, pipeline: string, kind: ComponentKind, id: string): Status {
  return tree.components?.[`pipeline:${pipeline}`]?.components?.[`${kind}:${id}`]?.status ?? tree.status;
}

export function figures(input: { version: string; startedAt: number; now: number; status: StatusNode; views: readonly CountsView[]; observed: ObservedCollector }): Figures {
  const { views, observed, status } = input;
  const components: ComponentFigures[] = [];
  const receivers = new Set<string>();
  for (const p of observed.pipelines) {
    for (const id of p.receivers) {
      if (receivers.has(id)) continue;
      receivers.add(id);
      components.push({ kind: 'receiver', id, pipeline: undefined, status: statusOf(status, p.name, 'receiver', id), counts: add(views, 'receiver', id, undefined) });
    }
    for (const id of p.processors) components.push({ kind: 'processor', id, pipeline: p.name, status: statusOf(status, p.name, 'processor', id), counts: add(views, 'processor', id, p.name) });
    for (const id of p.exporters) {
      const e = observed.exporters.find((x) => x.exporter === id && x.pipeline === p.name);
      const queue = e === undefined ? undefined : { events: e.queued, bytes: e.queuedBytes, inFlight: e.inFlight, lagSeconds: lagSeconds(e.oldestPending, input.now), lagKnown: e.oldestPending?.known };
      components.push({ kind: 'exporter', id, pipeline: p.name, status: statusOf(status, p.name, 'exporter', id), counts: add(views, 'exporter', id, p.name), ...(queue === undefined ? {} : { queue }) });
    }
  }
  return {
    version: input.version,
    startedAt: new Date(input.startedAt).toISOString(),
    at: new Date(input.now).toISOString(),
    status,
    pipelines: observed.pipelines.map((p) => ({ name: p.name, receivers: p.receivers, processors: p.processors, exporters: p.exporters, log: p.log })),
    components,
  };
}
