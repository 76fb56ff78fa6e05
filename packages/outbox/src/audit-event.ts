import { isIP } from 'node:net';
import { AUDIT_SCHEMA_VERSION, type AuditRecord, type Json } from './schema/audit-record.js';
import { newEventId } from './ulid.js';

/** What an application passes to `recordAuditEvent`. */
export interface AuditEvent {
  /** Default: a new `evt_<ULID>`. */
  readonly id?: string;
  /** What happened, dotted (`grant.issued`, `session.revoked`). */
  readonly type: string;
  /** Default: now. A Date or an ISO-8601 string; stored as ISO-8601 UTC. */
  readonly createdAt?: Date | string;
  readonly tenantId: string;
  /** Null when the event belongs to no session (the key must be there: a forgotten field is an error). */
  readonly sessionId: string | null;
  /** Null when the event concerns no grant. */
  readonly grantId: string | null;
  readonly actor: string;
  readonly outcome: string;
  readonly request: { readonly sourceIp: string | null; readonly requestId: string | null };
  /** The application's own fields. Default: `{}`. */
  readonly data?: { readonly [key: string]: Json };
}

/** The Ferry event an audit event becomes: the envelope of Grantex events, the audit record as `data`. */
export interface OutboxEvent {
  readonly id: string;
  readonly type: string;
  readonly createdAt: string;
  readonly data: AuditRecord;
}

/** An audit event that cannot be recorded; `problems` names each field and what is wrong with it. */
export class AuditEventError extends TypeError {
  override readonly name = 'AuditEventError';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`audit event not recorded: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const shown = (v: unknown): string => (v === undefined ? 'nothing' : typeof v === 'string' ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v) : Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v);

function text(problems: string[], path: string, value: unknown, nullable: boolean): void {
  if (typeof value === 'string' && value.length > 0) {
    if (value.includes('\u0000')) problems.push(`${path}: contains U+0000, which PostgreSQL cannot store`);
    return;
  }
  if (nullable && value === null) return;
  problems.push(`${path}: expected a non-empty string${nullable ? ' or null' : ''}, found ${shown(value)}`);
}

/** Where in a JSON value a problem is, if any: not JSON (undefined, a function, a class), or a U+0000 PostgreSQL's jsonb refuses. */
function jsonProblem(value: unknown, path: string): string | undefined {
  if (value === null || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${path}: ${value} is not a JSON number`;
  if (typeof value === 'string') return value.includes('\u0000') ? `${path}: contains U+0000, which PostgreSQL cannot store` : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = jsonProblem(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (isObject(value) && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) {
    for (const [key, child] of Object.entries(value)) {
      const found = key.includes('\u0000') ? `${path}: a key contains U+0000` : jsonProblem(child, `${path}.${key}`);
      if (found) return found;
    }
    return undefined;
  }
  return `${path}: ${shown(value)} is not JSON`;
}

function timestamp(problems: string[], value: Date | string | undefined, now: Date): string {
  if (value === undefined) return now.toISOString();
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) {
    problems.push(`createdAt: expected a Date or an ISO-8601 string, found ${shown(value)}`);
    return '';
  }
  return date.toISOString();
}

/**
 * Checks every required field at once and builds the Ferry event, stamped with the audit
 * schema version; throws an AuditEventError listing every problem.
 */
export function toOutboxEvent(input: AuditEvent, now: Date = new Date()): OutboxEvent {
  const problems: string[] = [];
  if (!isObject(input)) throw new AuditEventError([`expected an audit event object, found ${shown(input)}`]);
  if (input.id !== undefined) text(problems, 'id', input.id, false);
  text(problems, 'type', input.type, false);
  const createdAt = timestamp(problems, input.createdAt, now);
  text(problems, 'tenantId', input.tenantId, false);
  text(problems, 'sessionId', input.sessionId, true);
  text(problems, 'grantId', input.grantId, true);
  text(problems, 'actor', input.actor, false);
  text(problems, 'outcome', input.outcome, false);
  if (!isObject(input.request)) {
    problems.push(`request: expected { sourceIp, requestId }, found ${shown(input.request)}`);
  } else {
    const { sourceIp, requestId } = input.request;
    if (sourceIp !== null && (typeof sourceIp !== 'string' || isIP(sourceIp) === 0)) problems.push(`request.sourceIp: expected an IPv4 or IPv6 address or null, found ${shown(sourceIp)}`);
    text(problems, 'request.requestId', requestId, true);
  }
  const data = input.data ?? {};
  if (!isObject(data)) problems.push(`data: expected a JSON object, found ${shown(data)}`);
  else {
    const found = jsonProblem(data, 'data');
    if (found) problems.push(found);
  }
  if (problems.length > 0) throw new AuditEventError(problems);
  return {
    id: input.id ?? newEventId(now.getTime()),
    type: input.type,
    createdAt,
    data: {
      schemaVersion: AUDIT_SCHEMA_VERSION,
      tenantId: input.tenantId,
      sessionId: input.sessionId,
      grantId: input.grantId,
      actor: input.actor,
      outcome: input.outcome,
      request: { sourceIp: input.request.sourceIp, requestId: input.request.requestId },
      data,
    },
  };
}
