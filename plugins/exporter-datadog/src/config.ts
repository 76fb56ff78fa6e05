import { Secret, StringEnum, Type, type Static } from '@ferry/sdk';

export const configSchema = Type.Object(
  {
    apiKey: Secret({ minLength: 1, description: 'Datadog API key for the Logs API (not an application key).' }),
    site: Type.String({ minLength: 1, default: 'datadoghq.com', description: 'Datadog site (e.g., `datadoghq.eu`, `us5.datadoghq.com`).' }),
    service: Type.String({ minLength: 1, default: 'grantex', description: 'Service name tag applied to all logs.' }),
    source: Type.String({ minLength: 1, default: 'grantex', description: 'Source tag (`ddsource`) applied to all logs.' }),
    hostname: Type.String({ minLength: 1, default: 'grantex-auth-service', description: 'The `hostname` of every log entry.' }),
    tags: Type.Array(Type.String({ pattern: '^[^,\\s]+$' }), { default: [], description: 'Extra tags (`env:prod`), added to `ddtags` after `type:<event type>`.' }),
    compression: StringEnum(['gzip', 'none'] as const, { default: 'gzip', description: 'Request body compression.' }),
    endpoint: Type.Optional(Type.String({ format: 'uri', description: 'Overrides the intake URL derived from `site` (`https://http-intake.logs.<site>/api/v2/logs`), for proxies and tests.' })),
    validateApiKey: Type.Boolean({ default: true, description: 'Check the key at start with `GET https://api.<site>/api/v1/validate` (skipped when `endpoint` is set).' }),
    requestTimeoutMs: Type.Integer({ minimum: 100, default: 30_000, description: 'Timeout of one request (ms).' }),
  },
  { additionalProperties: false },
);

export type DatadogConfig = Static<typeof configSchema>;

export function intakeUrl(config: Pick<DatadogConfig, 'site' | 'endpoint'>): string {
  return config.endpoint ?? `https://http-intake.logs.${config.site}/api/v2/logs`;
}

export function validateUrl(site: string): string {
  return `https://api.${site}/api/v1/validate`;
}
