import type { FerryEvent, JsonObject } from '@ferry/sdk';
import { readAuditRecord } from '@ferry/outbox/schema';

/** The seed's required fields, as the sink's columns hold them (null when the event has none). */
export interface AuditColumns {
  readonly tenantId: string | null;
  readonly sessionId: string | null;
  readonly grantId: string | null;
  readonly actor: string | null;
  readonly outcome: string | null;
  readonly sourceIp: string | null;
  readonly requestId: string | null;
  /** The audit record's schema version (`data.schemaVersion`), null for events that are not audit records. */
  readonly schemaVersion: number | null;
}

type Extract = (data: JsonObject) => string | null;

const text = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);
const field = (name: string): Extract => (data) => text(data[name]);
const always = (value: string): Extract => () => value;

/**
 * Who acted and how it ended, per Grantex event type, where the default rules (actor:
 * `principalId`, else `agentId`; outcome: the type's last part, `issued` in `vc.issued`)
 * would say something wrong. The README lists the whole mapping.
 */
export const GRANTEX_OVERRIDES: Readonly<Record<string, { readonly actor?: Extract; readonly outcome?: Extract }>> = {
  'grant.created': { outcome: always('granted') },
  'grant.revoked': { actor: (d) => (d.revokedBy === 'principal' ? text(d.principalId) : text(d.revokedBy)) },
  'grant.expired': { actor: always('grantex') },
  'token.issued': { actor: field('agentId') },
  'token.revoked': { actor: field('agentId') },
  'budget.threshold': { outcome: always('warning') },
  'budget.exhausted': { outcome: always('denied') },
  'fido.authenticated': { outcome: (d) => (d.userVerified === false ? 'unverified' : 'success') },
  'vc.issued': { actor: field('issuer') },
  'sd-jwt.presented': { actor: field('agentId') },
  'passport.verified': { actor: field('verifier'), outcome: (d) => (d.valid === false ? 'invalid' : 'valid') },
  'sso.login': { outcome: always('success') },
  'sso.logout': { outcome: always('logout') },
  'vault.credential.accessed': { actor: field('agentId'), outcome: always('allowed') },
  'dpdp.consent.recorded': { actor: field('dataPrincipal') },
  'dpdp.erasure.requested': { actor: field('dataPrincipal') },
  'anomaly.auto_revoked': { actor: always('grantex:anomaly-detection') },
};

const NONE: AuditColumns = { tenantId: null, sessionId: null, grantId: null, actor: null, outcome: null, sourceIp: null, requestId: null, schemaVersion: null };

/**
 * The columns of an event: an audit record (from `@ferry/outbox`) of a known version is
 * read as it is; of a newer version, only its version is taken (its fields are never
 * guessed at; the whole event is in `event`); a Grantex event by its type's mapping.
 */
export function auditColumns(event: FerryEvent): AuditColumns {
  const audit = readAuditRecord(event.data);
  if (audit !== undefined) {
    if (!audit.known) return { ...NONE, schemaVersion: audit.schemaVersion };
    const r = audit.record;
    return { tenantId: r.tenantId, sessionId: r.sessionId, grantId: r.grantId, actor: r.actor, outcome: r.outcome, sourceIp: r.request.sourceIp, requestId: r.request.requestId, schemaVersion: r.schemaVersion };
  }
  const data = event.data;
  const override = GRANTEX_OVERRIDES[event.type] ?? {};
  return {
    tenantId: text(data.tenantId),
    sessionId: text(data.sessionId),
    grantId: text(data.grantId),
    actor: (override.actor ?? ((d) => text(d.principalId) ?? text(d.agentId)))(data),
    outcome: (override.outcome ?? (() => text(event.type.split('.').pop())))(data),
    sourceIp: text(data.ip),
    requestId: null,
  schemaVersion: null,
  };
}
