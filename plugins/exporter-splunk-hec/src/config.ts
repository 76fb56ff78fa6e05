import { Secret, StringEnum, Type, type Static } from '@ferry/sdk';

/** The seed's SplunkDestination options under their names (hecUrl, hecToken, index, source, sourcetype), and what delivery needs. */
export const configSchema = Type.Object(
  {
    hecUrl: Type.String({
      format: 'uri',
      pattern: '^https?://',
      description: 'Splunk HEC URL (e.g., `https://splunk.example.com:8088`); events go to `<hecUrl>/services/collector/event`. A URL that already ends in `/services/collector` or `/services/collector/event` is taken as it is.',
    }),
    hecToken: Secret({ minLength: 1, description: 'HEC authentication token, sent as `Authorization: Splunk <token>`.' }),
    index: Type.String({ minLength: 1, default: 'main', description: 'Splunk index to write events to.' }),
    source: Type.String({ minLength: 1, default: 'grantex', description: 'Source field for ingested events.' }),
    sourcetype: Type.String({ minLength: 1, default: '_json', description: 'Sourcetype for ingested events.' }),
    host: Type.Optional(Type.String({ minLength: 1, description: 'The `host` field of every event (unset: Splunk uses the address the request came from).' })),
    compression: StringEnum(['gzip', 'none'] as const, { default: 'gzip', description: 'Request body compression (`Content-Encoding: gzip`, done off the main thread).' }),
    useAck: Type.Boolean({
      default: false,
      description: 'Indexer acknowledgement: a batch counts as delivered only once Splunk says it is indexed (the token must have indexer acknowledgement enabled). Off: delivered when HEC accepted the request.',
    }),
    channel: Type.Optional(
      Type.String({
        pattern: '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$',
        description: 'The HEC channel (a GUID) sent as `X-Splunk-Request-Channel`; unset, a new one is made at each start.',
      }),
    ),
    ackPollIntervalMs: Type.Integer({ minimum: 10, default: 1_000, description: 'How often pending acknowledgements are asked for (one `/services/collector/ack` request for every batch waiting).' }),
    ackTimeoutMs: Type.Integer({
      minimum: 100,
      default: 25_000,
      description: 'A batch not acknowledged as indexed within this long is sent again (Splunk may then index it twice). Keep it below the exporter\'s `timeoutMs`.',
    }),
    requestTimeoutMs: Type.Integer({ minimum: 100, default: 30_000, description: 'Timeout of one HTTP request (ms); a request that times out is retried.' }),
  },
  { additionalProperties: false },
);

export type SplunkHecConfig = Static<typeof configSchema>;

/** The HEC base (`https://splunk:8088`), whatever collector path the URL was given with. */
export function hecBase(hecUrl: string): string {
  return hecUrl.replace(/\/+$/, '').replace(/\/services\/collector(\/event)?(\/1\.0)?$/, '');
}

/** Where requests go, for messages: the URL's origin, never a path or user info. */
export function destinationName(hecUrl: string): string {
  return `Splunk HEC (${new URL(hecUrl).origin})`;
}
