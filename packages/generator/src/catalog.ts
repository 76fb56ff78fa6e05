import type { JsonObject } from '@ferry/sdk';
import type { Random } from './random.js';

/**
 * The event types the Grantex documentation names (grant, token and budget events, and
 * about twenty more: fido.*, vc.issued, sd-jwt.*, passport.*, sso.*, vault.credential.*,
 * consent_bundle.*, dpdp.*, anomaly.auto_revoked). Where the documentation names only a
 * family, the specific names here are plausible inventions.
 */
export const EVENT_TYPES: readonly string[] = Object.freeze([
  'grant.created',
  'grant.revoked',
  'grant.expired',
  'token.issued',
  'token.revoked',
  'budget.threshold',
  'budget.exhausted',
  'fido.registered',
  'fido.authenticated',
  'vc.issued',
  'sd-jwt.issued',
  'sd-jwt.presented',
  'passport.issued',
  'passport.verified',
  'sso.login',
  'sso.logout',
  'vault.credential.stored',
  'vault.credential.accessed',
  'vault.credential.rotated',
  'consent_bundle.created',
  'consent_bundle.revoked',
  'dpdp.consent.recorded',
  'dpdp.erasure.requested',
  'anomaly.auto_revoked',
]);

/** What one event's `data` is made from: the actors it involves and a source of variety. */
export interface DataContext {
  readonly agentId: string;
  readonly principalId: string;
  readonly grantId: string;
  readonly tokenId: string;
  /** The event's time, ms since the epoch (for the timestamps inside `data`). */
  readonly timeMs: number;
  /** The event's sequence number in its factory, from 1. */
  readonly n: number;
  readonly random: Random;
}

const SCOPES = ['calendar:read', 'calendar:write', 'email:send', 'files:read', 'payments:initiate', 'crm:read', 'tickets:write'];
// Non-ASCII on purpose: streams cut inside multi-byte UTF-8 characters only if there are some.
const PEOPLE = ['Zoë Müller', 'José Álvarez', 'Ana Sørensen', '山田 太郎', 'Priya Raghavan', 'Łukasz Wróbel', 'Chloé Dubois', 'Oluwaseun Adé'];
const CITIES = ['Zürich', 'München', 'São Paulo', '東京', 'Paris', 'Bengaluru', 'Kraków', 'Austin'];
const BUNDLE_TITLES = ['Einwilligung: Kalender & E-Mail', 'Consentimento para pagamentos', 'カレンダーへのアクセス', 'Partage de fichiers', 'Calendar and email access'];

const iso = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
const short = (prefix: string, value: number): string => `${prefix}_${value.toString(36)}`;

function scopes(random: Random): string[] {
  const first = random.int(SCOPES.length);
  const count = 1 + random.int(3);
  return Array.from({ length: count }, (_, i) => SCOPES[(first + i * 2) % SCOPES.length] as string);
}

type DataMaker = (c: DataContext) => JsonObject;

const DATA: Readonly<Record<string, DataMaker>> = {
  'grant.created': (c) => ({ grantId: c.grantId, agentId: c.agentId, principalId: c.principalId, principalName: c.random.pick(PEOPLE), scopes: scopes(c.random), expiresAt: iso(c.timeMs + 86_400_000 * (1 + c.random.int(90))) }),
  'grant.revoked': (c) => ({ grantId: c.grantId, agentId: c.agentId, principalId: c.principalId, revokedBy: c.random.pick(['principal', 'admin', 'policy']), reason: c.random.pick(['user_request', 'policy_violation', 'key_compromised']), cascade: c.random.next() < 0.5, revokedTokens: c.random.int(6) }),
  'grant.expired': (c) => ({ grantId: c.grantId, agentId: c.agentId, principalId: c.principalId, expiredAt: iso(c.timeMs) }),
  'token.issued': (c) => ({ tokenId: c.tokenId, grantId: c.grantId, agentId: c.agentId, principalId: c.principalId, scopes: scopes(c.random), audience: c.random.pick(['mcp://calendar', 'mcp://mail', 'https://api.stripe.com']), expiresIn: c.random.pick([300, 900, 3600]) }),
  'token.revoked': (c) => ({ tokenId: c.tokenId, grantId: c.grantId, agentId: c.agentId, reason: c.random.pick(['grant_revoked', 'logout', 'anomaly']) }),
  'budget.threshold': (c) => {
    const limit = c.random.pick([100, 500, 1000, 5000]);
    const thresholdPercent = c.random.pick([50, 80, 90]);
    return { budgetId: short('bdg', c.n % 97), grantId: c.grantId, agentId: c.agentId, currency: c.random.pick(['USD', 'EUR', 'INR']), limit, spent: (limit * (thresholdPercent + c.random.int(10))) / 100, thresholdPercent };
  },
  'budget.exhausted': (c) => {
    const limit = c.random.pick([100, 500, 1000, 5000]);
    return { budgetId: short('bdg', c.n % 97), grantId: c.grantId, agentId: c.agentId, currency: c.random.pick(['USD', 'EUR', 'INR']), limit, spent: limit, blockedAction: c.random.pick(['payments:initiate', 'email:send']) };
  },
  'fido.registered': (c) => ({ credentialId: short('cred', c.n), principalId: c.principalId, authenticator: c.random.pick(['platform', 'cross-platform']), deviceName: `${c.random.pick(PEOPLE).split(' ')[0]}'s security key`, aaguid: 'ee882879-721c-4913-9775-3dfcce97072a' }),
  'fido.authenticated': (c) => ({ credentialId: short('cred', c.random.int(c.n)), principalId: c.principalId, userVerified: c.random.next() < 0.9, signCount: c.n }),
  'vc.issued': (c) => ({ credentialId: short('vc', c.n), credentialType: c.random.pick(['AgentDelegationCredential', 'EmploymentCredential', 'AgeOver18Credential']), issuer: 'did:web:grantex.dev', subject: `did:key:z6Mk${c.agentId.slice(3)}`, agentId: c.agentId, expiresAt: iso(c.timeMs + 31_536_000_000) }),
  'sd-jwt.issued': (c) => ({ credentialId: short('sdj', c.n), vct: 'https://grantex.dev/vct/principal', agentId: c.agentId, principalId: c.principalId, disclosableClaims: ['name', 'email', 'birthdate', 'address'] }),
  'sd-jwt.presented': (c) => ({ credentialId: short('sdj', c.random.int(c.n)), agentId: c.agentId, verifier: c.random.pick(['https://shop.example', 'https://bank.example']), disclosed: [c.random.pick(['name', 'email', 'birthdate'])] }),
  'passport.issued': (c) => ({ passportId: short('pp', c.n), agentId: c.agentId, principalId: c.principalId, level: c.random.pick(['basic', 'verified', 'enterprise']), expiresAt: iso(c.timeMs + 2_592_000_000) }),
  'passport.verified': (c) => ({ passportId: short('pp', c.random.int(c.n)), agentId: c.agentId, verifier: c.random.pick(['https://shop.example', 'https://airline.example']), level: c.random.pick(['basic', 'verified', 'enterprise']), valid: c.random.next() < 0.95 }),
  'sso.login': (c) => ({ sessionId: short('ses', c.n), principalId: c.principalId, provider: c.random.pick(['okta', 'azure-ad', 'google']), mfa: c.random.next() < 0.8, ip: `10.${c.n % 256}.${(c.n * 7) % 256}.${(c.n * 13) % 256}`, city: c.random.pick(CITIES) }),
  'sso.logout': (c) => ({ sessionId: short('ses', c.random.int(c.n)), principalId: c.principalId, provider: c.random.pick(['okta', 'azure-ad', 'google']), reason: c.random.pick(['user', 'timeout', 'admin']) }),
  'vault.credential.stored': (c) => ({ vaultId: short('vlt', c.n % 31), credentialName: c.random.pick(['stripe-live', 'github-deploy', 'aws-readonly']), kind: c.random.pick(['api_key', 'oauth_token', 'password']), agentId: c.agentId, principalId: c.principalId }),
  'vault.credential.accessed': (c) => ({ vaultId: short('vlt', c.n % 31), credentialName: c.random.pick(['stripe-live', 'github-deploy', 'aws-readonly']), agentId: c.agentId, grantId: c.grantId, purpose: c.random.pick(['refund', 'deploy', 'report']) }),
  'vault.credential.rotated': (c) => {
    const version = 2 + c.random.int(20);
    return { vaultId: short('vlt', c.n % 31), credentialName: c.random.pick(['stripe-live', 'github-deploy', 'aws-readonly']), rotatedBy: c.random.pick(['schedule', 'admin', 'anomaly']), previousVersion: version - 1, version };
  },
  'consent_bundle.created': (c) => ({ bundleId: short('cb', c.n), principalId: c.principalId, principalName: c.random.pick(PEOPLE), title: c.random.pick(BUNDLE_TITLES), purposes: [c.random.pick(['analytics', 'marketing', 'support', 'payments'])], locale: c.random.pick(['de-DE', 'pt-BR', 'ja-JP', 'fr-FR', 'en-US']) }),
  'consent_bundle.revoked': (c) => ({ bundleId: short('cb', c.random.int(c.n)), principalId: c.principalId, revokedGrants: c.random.int(4) }),
  'dpdp.consent.recorded': (c) => ({ consentId: short('dc', c.n), dataPrincipal: c.principalId, dataFiduciary: 'Acme India Pvt Ltd', purposes: [c.random.pick(['payments', 'support'])], noticeLanguage: c.random.pick(['hi', 'ta', 'en']), noticeTitle: c.random.pick(['सहमति सूचना', 'ஒப்புதல் அறிவிப்பு', 'Consent notice']), jurisdiction: 'IN' }),
  'dpdp.erasure.requested': (c) => ({ requestId: short('der', c.n), dataPrincipal: c.principalId, dataFiduciary: 'Acme India Pvt Ltd', dueBy: iso(c.timeMs + 2_592_000_000), jurisdiction: 'IN' }),
  'anomaly.auto_revoked': (c) => ({ grantId: c.grantId, agentId: c.agentId, principalId: c.principalId, rule: c.random.pick(['velocity', 'geo_jump', 'scope_escalation']), score: 90 + c.random.int(10), location: c.random.pick(CITIES), revokedTokens: 1 + c.random.int(5) }),
};

/** The `data` of an event of `type`; a type outside the catalog gets the actors only. */
export function dataFor(type: string, context: DataContext): JsonObject {
  const make = DATA[type];
  return make ? make(context) : { agentId: context.agentId, principalId: context.principalId };
}
