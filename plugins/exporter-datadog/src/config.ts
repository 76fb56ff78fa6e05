import { Secret, StringEnum, Type, type Static } from '@ferry/sdk';

/** The seed's options (apiKey, site, service, source) under their names, and what real deployments add. */
export const configSchema = Type.Object(
  {
    apiKey: Secret({ minLength: 1, description: 'Datadog API key for the Logs API (not an application key).' }),
    site: Type.String({
      default: 'datadoghq.com',
      // A host name only: `https://datadoghq.eu` would otherwise become a URL nobody answers.
      pattern: '^[a-z0-9-]+(\\.[a-z0-9-]+)+$',
      description: 'Datadog site (e.g., `datadoghq.eu`, `us5.datadoghq.com`, `ddog-gov.com`): a host name without scheme; a leading `app.` is ignored.',
    }),
    service: Type.String({ minLength: 1, default: 'grantex', description: 'Service name tag applied to all logs.' }),
    source: Type.String({ minLength: 1, default: 'grantex', description: 'Source tag (`ddsource`) applied to all logs.' }),
    hostname: Type.String({ minLength: 1, default: 'grantex-auth-service', description: 'The `hostname` of every log entry.' }),
    tags: Type.Array(Type.String({ minLength: 1, pattern: '^[^,\\s]+$', description: 'One tag, `key:value` (no comma, no space).' }), {
      default: [],
      description: 'Extra tags (`env:prod`, `team:iam`), appended to `ddtags` after `type:<event type>`.',
    }),
    compression: StringEnum(['gzip', 'none'] as const, { default: 'gzip', description: 'Request body compression (`Content-Encoding: gzip`, done off the main thread).' }),
    endpoint: Type.Optional(
      Type.String({
        format: 'uri',
        pattern: '^https?://',
        description: 'Overrides the intake URL derived from `site` (`https://http-intake.logs.<site>/api/v2/logs`), for proxies and tests: the full URL logs are POSTed to.',
      }),
    ),
    validateApiKey: Type.Boolean({
      default: true,
      description:
        'Check the key at start with `GET https://api.<site>/api/v1/validate`; with `endpoint` set, at the same address with `/api/v2/logs` replaced by `/api/v1/validate` (skipped when the endpoint does not end in `/api/v2/logs`).',
    }),
    requestTimeoutMs: Type.Integer({ minimum: 100, default: 30_000, description: 'Timeout of one HTTP request (ms); a request that times out is retried.' }),
  },
  { additionalProperties: false },
);

export type DatadogConfig = Static<typeof configSchema>;

/** `app.datadoghq.eu` is the web UI's host; the intakes live under the bare site. */
function siteHost(site: string): string {
  return site.replace(/^app\./, '');
}

/** Where logs are POSTed: the endpoint override, else the site's Logs API v2 intake. */
export function intakeUrl(config: Pick<DatadogConfig, 'site' | 'endpoint'>): string {
  return config.endpoint ?? `https://http-intake.logs.${siteHost(config.site)}/api/v2/logs`;
}

const LOGS_PATH = /\/api\/v2\/logs\/?$/;

/**
 * Where the start check asks whether the key is valid, or undefined when it cannot be
 * known: an endpoint that is not a Logs API v2 path is some other proxy's address.
 */
export function validateUrl(config: Pick<DatadogConfig, 'site' | 'endpoint'>): string | undefined {
  if (config.endpoint === undefined) return `https://api.${siteHost(config.site)}/api/v1/validate`;
  const url = new URL(config.endpoint);
  if (!LOGS_PATH.test(url.pathname)) return undefined;
  url.pathname = url.pathname.replace(LOGS_PATH, '/api/v1/validate');
  url.search = '';
  return url.toString();
}

/**
 * Where requests go, in words an error message can carry: the site, or the endpoint's host
 * (never its path, query or user info, which may hold credentials).
 */
export function destinationName(config: Pick<DatadogConfig, 'site' | 'endpoint'>): string {
  return config.endpoint === undefined ? `site ${config.site}` : `endpoint ${new URL(config.endpoint).host}`;
}
