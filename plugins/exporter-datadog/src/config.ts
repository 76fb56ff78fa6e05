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
    compression: StringEnum(['gzip', 'none'] as const, { default: 'gzip', description: 'Request body compression (`Content-Encoding: gzip`). A body up to 64 KiB (a batch of 100 Grantex events is about 37 KB) is compressed on the main thread, which costs less CPU than handing it to the thread pool; a larger one off it.' }),
    endpoint: Type.Optional(
      Type.String({
        format: 'uri',
        pattern: '^https?://',
        description:
          'Overrides the intake derived from `site`, for proxies and tests: a base URL (`https://proxy:8080`, as Vector\'s and the OpenTelemetry Collector\'s Datadog settings take it), to which `/api/v2/logs` is added, or the full URL logs are POSTed to (`…/api/v2/logs`, or any path of a proxy of your own).',
      }),
    ),
    validateApiKey: Type.Boolean({
      default: true,
      description:
        'Check the key at start with `GET https://api.<site>/api/v1/validate`; with `endpoint` set, at the same address with `/api/v1/validate` as the path (after a base URL, or in place of `/api/v2/logs`; skipped when the endpoint has another path).',
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

const LOGS_PATH = /\/api\/v2\/logs\/?$/;

/** An endpoint with no path (`https://proxy:8080`, or `…/`) is a base URL, as Vector and the OpenTelemetry Collector take it. */
function isBaseUrl(url: URL): boolean {
  return url.pathname === '' || url.pathname === '/';
}

/** Where logs are POSTed: the endpoint (a base URL gets the Logs API v2 path), else the site's intake. */
export function intakeUrl(config: Pick<DatadogConfig, 'site' | 'endpoint'>): string {
  if (config.endpoint === undefined) return `https://http-intake.logs.${siteHost(config.site)}/api/v2/logs`;
  const url = new URL(config.endpoint);
  if (!isBaseUrl(url)) return config.endpoint;
  url.pathname = '/api/v2/logs';
  return url.toString();
}

/**
 * Where the start check asks whether the key is valid, or undefined when it cannot be
 * known: an endpoint with a path other than the Logs API v2's is some other proxy's address.
 */
export function validateUrl(config: Pick<DatadogConfig, 'site' | 'endpoint'>): string | undefined {
  if (config.endpoint === undefined) return `https://api.${siteHost(config.site)}/api/v1/validate`;
  const url = new URL(config.endpoint);
  if (isBaseUrl(url)) url.pathname = '/api/v1/validate';
  else if (LOGS_PATH.test(url.pathname)) url.pathname = url.pathname.replace(LOGS_PATH, '/api/v1/validate');
  else return undefined;
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
