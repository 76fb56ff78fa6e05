import { Secret, StringEnum, Type, type Static } from '@ferry/sdk';

export const configSchema = Type.Object(
  {
    endpoint: Type.String({
      format: 'uri',
      pattern: '^https?://',
      description: 'The OTLP/HTTP base URL of a collector or backend (`http://otel-collector:4318`); logs are POSTed to `<endpoint>/v1/logs`.',
    }),
    logsEndpoint: Type.Optional(Type.String({ format: 'uri', pattern: '^https?://', description: 'The full URL logs are POSTed to, instead of `<endpoint>/v1/logs`.' })),
    encoding: StringEnum(['protobuf', 'json'] as const, { default: 'protobuf', description: 'OTLP/HTTP binary protobuf (`application/x-protobuf`) or JSON (`application/json`).' }),
    compression: StringEnum(['gzip', 'none'] as const, { default: 'gzip', description: 'Request body compression (`Content-Encoding: gzip`, done off the main thread).' }),
    headers: Type.Object(
      {},
      {
        additionalProperties: Secret({ description: 'A header value; treated as a secret (never logged), since these often carry keys.' }),
        propertyNames: { pattern: '^[!#$%&\'*+.^_`|~0-9A-Za-z-]+$' },
        default: {},
        description: 'Headers sent with every request (`{"Authorization": "Bearer ${env:OTLP_TOKEN}"}`); their values are treated as secrets.',
      },
    ),
    serviceName: Type.String({ minLength: 1, default: 'grantex', description: 'The resource\'s `service.name`: where the events come from.' }),
    resourceAttributes: Type.Object(
      {},
      { additionalProperties: Type.String({ description: 'An attribute value.' }), default: {}, description: 'More resource attributes (`{"deployment.environment.name": "prod"}`).' },
    ),
    requestTimeoutMs: Type.Integer({ minimum: 100, default: 30_000, description: 'Timeout of one HTTP request (ms); a request that times out is retried.' }),
  },
  { additionalProperties: false },
);

/** The options as validated; the two maps as their schemas say (`additionalProperties`, which the static type cannot see). */
export type OtlpExporterConfig = Omit<Static<typeof configSchema>, 'headers' | 'resourceAttributes'> & {
  readonly headers: Readonly<Record<string, string>>;
  readonly resourceAttributes: Readonly<Record<string, string>>;
};

export function logsUrl(config: Pick<OtlpExporterConfig, 'endpoint' | 'logsEndpoint'>): string {
  return config.logsEndpoint ?? `${config.endpoint.replace(/\/+$/, '')}/v1/logs`;
}
