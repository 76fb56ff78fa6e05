/**
 * Component statuses in the manner of the OpenTelemetry Collector's health check v2, and
 * how they roll up: a pipeline, and the collector, show the worst status among their parts.
 */
export type Status = 'starting' | 'ok' | 'recoverable_error' | 'permanent_error' | 'stopping' | 'stopped';

/** Worse statuses rank higher; the worst one rolls up. */
const RANK: Record<Status, number> = { stopped: 0, ok: 1, starting: 2, stopping: 3, recoverable_error: 4, permanent_error: 5 };

export interface StatusNode {
  readonly status: Status;
  /** False for a permanent error, and for a recoverable one older than `recoveryDurationMs`. */
  readonly healthy: boolean;
  /** Since when (ISO 8601) the node has had this status. */
  readonly since: string;
  /** The last error, for an error status (named by component when rolled up). */
  readonly error?: string;
  /** A receiver under leader election: whether this instance reads (`leader`) or waits (`standby`). */
  readonly role?: 'leader' | 'standby';
  readonly components?: Readonly<Record<string, StatusNode>>;
}

export interface Condition {
  readonly status: Status;
  /** ms since the epoch. */
  readonly since: number;
  readonly error?: string;
}

export function leaf(condition: Condition, now: number, recoveryDurationMs: number): StatusNode {
  const healthy = condition.status === 'permanent_error' ? false : condition.status === 'recoverable_error' ? now - condition.since < recoveryDurationMs : true;
  return { status: condition.status, healthy, since: new Date(condition.since).toISOString(), ...(condition.error === undefined ? {} : { error: condition.error }) };
}

/**
 * The worst of the children, with their error named by child (`exporter:datadog: …`); among
 * equals the one that has been so longest. Healthy only when every child is.
 */
export function rollUp(children: Readonly<Record<string, StatusNode>>, own?: { key: string; node: StatusNode }): StatusNode {
  const entries = Object.entries(children);
  if (own !== undefined) entries.push([own.key, own.node]);
  let worst: [string, StatusNode] | undefined;
  for (const entry of entries) {
    const [, node] = entry;
    if (worst === undefined || RANK[node.status] > RANK[worst[1].status] || (RANK[node.status] === RANK[worst[1].status] && node.since < worst[1].since)) worst = entry;
  }
  const healthy = entries.every(([, node]) => node.healthy);
  if (worst === undefined) return { status: 'ok', healthy, since: new Date(0).toISOString(), components: children };
  const [key, node] = worst;
  const error = node.error === undefined ? undefined : node.components === undefined ? `${key}: ${node.error}` : node.error;
  return { status: node.status, healthy, since: node.since, ...(error === undefined ? {} : { error }), components: children };
}
