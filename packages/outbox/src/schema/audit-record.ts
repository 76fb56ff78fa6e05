/**
 * The audit record: what an application states about one security-relevant change, with
 * the fields the audit pipeline requires of every event (timestamp, type, tenant, session,
 * grant, actor, outcome, request metadata). It travels as the `data` of a Ferry event:
 *
 *   {"id":"evt_<ULID>","type":"grant.issued","createdAt":"<ISO-8601>",
 *    "data":{"schemaVersion":1,"tenantId":…,"sessionId":…,"grantId":…,"actor":…,"outcome":…,
 *            "request":{"sourceIp":…,"requestId":…},"data":{…the application's own fields…}}}
 */
export const AUDIT_SCHEMA_VERSION = 1;

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface AuditRequest {
  /** The client's IP address (v4 or v6), or null when there was no client (a scheduled job). */
  readonly sourceIp: string | null;
  /** The id of the request that caused the change, or null when there was none. */
  readonly requestId: string | null;
}

/** The audit record as it is carried in `event.data` (version 1). */
export interface AuditRecord {
  readonly schemaVersion: number;
  readonly tenantId: string;
  /** Null when the event belongs to no session. */
  readonly sessionId: string | null;
  /** Null when the event concerns no grant. */
  readonly grantId: string | null;
  /** Who did it: a user, an agent, a service (`user_42`, `svc:broker`). */
  readonly actor: string;
  /** How it ended: `success`, `failure`, `denied`, … */
  readonly outcome: string;
  readonly request: AuditRequest;
  readonly data: { readonly [key: string]: Json };
}

/** The fields a reader can rely on, from a version it knows; undefined when `data` is not an audit record. */
export type ReadAuditRecord =
  | { readonly known: true; readonly record: AuditRecord }
  | { readonly known: false; readonly schemaVersion: number };

/**
 * Reads an event's `data` as an audit record. A version this code knows is read as
 * documented; a newer one is reported as unknown (its fields are never guessed at); data
 * without `schemaVersion` is not an audit record.
 */
export function readAuditRecord(data: { readonly [key: string]: unknown }): ReadAuditRecord | undefined {
  const version = data.schemaVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) return undefined;
  if (version > AUDIT_SCHEMA_VERSION) return { known: false, schemaVersion: version };
  return { known: true, record: data as unknown as AuditRecord };
}
