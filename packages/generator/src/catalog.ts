import type { JsonObject } from '@ferry/sdk';

/** Every event type the Grantex documentation names, with a plausible `data` for each. */
export const EVENT_TYPES = [
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
] as const;

export type Pick = <T>(items: readonly T[]) => T;

const SCOPES = ['calendar:read', 'calendar:write', 'email:send', 'files:read', 'payments:initiate', 'crm:read'];

/** The `data` of one event of `type`, from ids and a random pick. */
export function dataFor(type: string, ids: { agent: string; principal: string; grant: string; token: string }, pick: Pick, n: number): JsonObject {
  const base: JsonObject = { agentId: ids.agent, principalId: ids.principal };
  const [family] = type.split('.');
  switch (family) {
    case 'grant':
      return { ...base, grantId: ids.grant, scopes: [pick(SCOPES), pick(SCOPES)], ...(type === 'grant.revoked' ? { cascade: n % 2 === 0, reason: pick(['user_request', 'policy', 'expired_key']) } : {}) };
    case 'token':
      return { ...base, tokenId: ids.token, grantId: ids.grant, expiresIn: pick([300, 900, 3600]) };
    case 'budget':
      return { ...base, grantId: ids.grant, budgetId: `bdg_${n % 97}`, limit: 1000, spent: type === 'budget.exhausted' ? 1000 : 800 + (n % 150), currency: 'USD' };
    case 'fido':
      return { ...base, credentialId: `cred_${n.toString(36)}`, authenticator: pick(['platform', 'cross-platform']) };
    case 'vc':
    case 'sd-jwt':
      return { ...base, credentialType: pick(['EmploymentCredential', 'AgeOver18', 'KYCCredential']), issuer: 'did:web:grantex.dev', disclosed: [pick(['name', 'email', 'birthdate'])] };
    case 'passport':
      return { ...base, passportId: `pp_${n.toString(36)}`, level: pick(['basic', 'verified', 'enterprise']) };
    case 'sso':
      return { ...base, provider: pick(['okta', 'azure-ad', 'google']), sessionId: `ses_${n.toString(36)}`, ip: `10.0.${n % 256}.${(n * 7) % 256}`, city: pick(['Zürich', 'München', 'São Paulo', '東京', 'Paris']) };
    case 'vault':
      return { ...base, vaultId: `vlt_${n % 31}`, credentialName: pick(['stripe-live', 'github-deploy', 'aws-readonly']) };
    case 'consent_bundle':
      return { ...base, bundleId: `cb_${n.toString(36)}`, purposes: [pick(['analytics', 'marketing', 'support'])] };
    case 'dpdp':
      return { ...base, dataPrincipal: ids.principal, consentId: `dc_${n.toString(36)}`, jurisdiction: 'IN' };
    case 'anomaly':
      return { ...base, grantId: ids.grant, score: 0.9 + (n % 10) / 100, rule: pick(['velocity', 'geo_jump', 'scope_escalation']) };
    default:
      return base;
  }
}
