import { FilePath, Secret, Type, type Static, type TObject, type TSchema } from '@ferry/sdk';

/** Component ids are `type` or `type/name`. */
export const COMPONENT_ID_PATTERN = '^[a-z][a-z0-9_]*(/[^/\\s]+)?$';

/** Defaults for cutting the log into batches when neither the exporter nor a `batch` processor says. */
export const HOST_BATCH_DEFAULTS = { batchSize: 1000, maxBatchBytes: 5 * 1024 * 1024, flushIntervalMs: 5000 } as const;

export const retrySchema = Type.Object(
  {
    initialIntervalMs: Type.Integer({ minimum: 1, default: 100, description: 'Wait before the first retry of a failed batch (ms), with jitter; a Retry-After from the destination wins.' }),
    maxIntervalMs: Type.Integer({ minimum: 1, default: 30_000, description: 'Longest wait between two retries (ms); backoff doubles up to it, with jitter.' }),
    multiplier: Type.Number({ minimum: 1, default: 2, description: 'How much the wait grows after each failed attempt.' }),
    maxElapsedMs: Type.Integer({
      minimum: 0,
      default: 0,
      description: 'Dead-letter a batch still failing with retryable errors after this long (ms). 0: never give up, since losing an audit event is worse than waiting.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'Retries of failed batches: exponential backoff with jitter, honouring Retry-After.' },
);

/** Annotation (not applied by the validator) carrying the default the host resolves itself. */
export const RESOLVED_DEFAULT = 'x-ferry-default';

/** Where the telemetry server listens when the config does not say (the OpenTelemetry Collector's port). */
export const DEFAULT_TELEMETRY_ADDRESS = '127.0.0.1:8888';

/** `host:port`, `[ipv6]:port`. */
export const TELEMETRY_ADDRESS_PATTERN = '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}$';

/**
 * Options the host adds to every exporter: batching, timeouts, retries, concurrency, queue.
 * The three batching options carry no schema default: an exporter's own setting wins over
 * the pipeline's `batch` processor, which wins over the exporter's defaults (the seed's),
 * so the host must see which ones the user actually set. The defaults and limits only
 * change what the schema documents and refuses, never the shape: `deliverySchema` is the
 * type the host reads the options back as.
 */
export function deliveryProperties(defaults: { batchSize?: number; maxBatchBytes?: number; flushIntervalMs?: number }, limits: { maxBatchSize?: number; maxBatchBytes?: number }) {
  const atMost = <T extends number | undefined>(value: T) => (value === undefined ? {} : { maximum: value });
  const resolved = (value: number | undefined) => ({ [RESOLVED_DEFAULT]: value ?? 'none' });
  return {
    batchSize: Type.Optional(
      Type.Integer({
        minimum: 1,
        ...atMost(limits.maxBatchSize),
        [RESOLVED_DEFAULT]: defaults.batchSize ?? HOST_BATCH_DEFAULTS.batchSize,
        description: 'Number of events to buffer before flushing. Unset: the pipeline\'s batch processor decides, else this default.',
      }),
    ),
    maxBatchBytes: Type.Optional(
      Type.Integer({
        minimum: 1,
        ...atMost(limits.maxBatchBytes),
        [RESOLVED_DEFAULT]: Math.min(defaults.maxBatchBytes ?? HOST_BATCH_DEFAULTS.maxBatchBytes, limits.maxBatchBytes ?? Infinity),
        description: 'Most NDJSON bytes in one batch. Unset: the pipeline\'s batch processor decides, else this default.',
      }),
    ),
    flushIntervalMs: Type.Optional(
      Type.Integer({
        minimum: 0,
        ...resolved(defaults.flushIntervalMs ?? HOST_BATCH_DEFAULTS.flushIntervalMs),
        description:
          'Flush buffered events on a timer (milliseconds), counted from the first event of a batch; 0: size only. Unset: the pipeline\'s batch processor decides, else this default.',
      }),
    ),
    timeoutMs: Type.Integer({ minimum: 1, default: 30_000, description: 'Abort one export attempt after this long (ms); it is then retried.' }),
    maxInFlight: Type.Integer({ minimum: 1, default: 4, description: 'Most batches being sent to this exporter at once; lowered automatically while the destination pushes back. As many again may wait for a retry meanwhile, so a failing batch does not hold up the others; 1 sends one batch at a time, in order.' }),
    retry: retrySchema,
    queue: queueSchema,
  };
}

export const queueSchema = Type.Object(
  {
    type: Type.Optional(
      Type.Union([Type.Literal('disk'), Type.Literal('memory')], {
        description:
          '`disk` (the default with storage): this exporter\'s place in the log survives restarts. `memory`: it starts from the newest events after a restart, for destinations where a gap does not matter (debug views).',
      }),
    ),
    maxEvents: Type.Optional(Type.Integer({ minimum: 1, description: 'Most events waiting for this exporter (not yet in a batch being sent or retried); past it, `whenFull` applies.' })),
    maxBytes: Type.Optional(Type.Integer({ minimum: 1, description: 'Most bytes of events waiting for this exporter; past it, `whenFull` applies.' })),
    whenFull: Type.Union([Type.Literal('block'), Type.Literal('deadLetter')], {
      default: 'block',
      description:
        '`block`: receivers are pushed back until this exporter catches up (nothing is lost, but the other exporters of the pipeline wait too). `deadLetter`: the oldest waiting events go to this exporter\'s dead letters (kept, replayable), so the others keep flowing.',
    }),
  },
  { additionalProperties: false, default: {}, description: "This exporter's share of the pipeline's log. Without limits it may lag as far as the log's own bound." },
);

/** The delivery options of any exporter, as the host reads them back from a validated config. */
export const deliverySchema = Type.Object(deliveryProperties({}, {}));

export type DeliveryConfig = Static<typeof deliverySchema>;

export const storageSchema = Type.Object(
  {
    directory: FilePath({
      minLength: 1,
      description: 'Where the durable log, exporter cursors and dead letters are kept (a relative path is resolved against the config file\'s folder). Turns persistence on for every pipeline.',
    }),
    fsync: Type.Union([Type.Literal('batch'), Type.Literal('interval')], {
      default: 'batch',
      description: '`batch`: every accepted batch is fsynced before it is acknowledged (survives power loss). `interval`: fsync every `fsyncIntervalMs` (faster; a power loss can lose that window, a process crash cannot).',
    }),
    fsyncIntervalMs: Type.Integer({ minimum: 1, default: 1000, description: 'With `fsync: "interval"`, how often the log is fsynced (ms).' }),
    maxBytes: Type.Integer({
      minimum: 1024 * 1024,
      default: 4 * 1024 ** 3,
      description: 'Most bytes one pipeline\'s event log keeps on disk (events not yet delivered to every exporter); past it receivers are pushed back.',
    }),
    cacheBytes: Type.Integer({
      minimum: 0,
      default: 16 * 1024 * 1024,
      description: 'Bytes of recent events each pipeline keeps in memory, so exporters that keep up never read the disk. It holds what an exporter has taken and not yet delivered (its batches in flight) as well as what it has still to read: when `ferry_exporter_read_from_disk_events_total` grows while the exporter keeps up, it is too small for that exporter\'s batches. While every exporter lags by more than it holds (a destination down, a backlog after a restart) it holds nothing, and fills again once one has caught up.',
    }),
    segmentBytes: Type.Integer({ minimum: 64 * 1024, default: 64 * 1024 * 1024, description: 'Size of one log segment file; delivered segments are deleted whole.' }),
  },
  { additionalProperties: false, description: 'Persistence: with it, an accepted event is on disk before it is acknowledged.' },
);

const pipelineSchema = Type.Object(
  {
    receivers: Type.Array(Type.String(), { minItems: 1, uniqueItems: true, description: 'Receiver ids feeding this pipeline.' }),
    processors: Type.Array(Type.String(), { default: [], uniqueItems: true, description: 'Processor ids, applied in order to every batch a receiver hands in.' }),
    exporters: Type.Array(Type.String(), { minItems: 1, uniqueItems: true, description: 'Exporter ids; each gets every event, independently of the others.' }),
  },
  { additionalProperties: false },
);

export const serviceSchema = Type.Object(
  {
    pipelines: Type.Record(Type.String({ pattern: '^[A-Za-z0-9_][A-Za-z0-9_./-]*$' }), pipelineSchema, {
      minProperties: 1,
      description: 'Named pipelines: receivers → processors → exporters.',
    }),
    telemetry: Type.Object(
      {
        logs: Type.Object(
          {
            level: Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')], { default: 'info', description: 'Lowest level logged.' }),
            format: Type.Union([Type.Literal('auto'), Type.Literal('json'), Type.Literal('pretty')], { default: 'auto', description: '`auto`: readable in a terminal, JSON otherwise.' }),
          },
          { additionalProperties: false, default: {} },
        ),
        progress: Type.Union([Type.Literal('auto'), Type.Literal('always'), Type.Literal('never')], {
          default: 'auto',
          description: 'The live progress line on stderr: `auto` shows it in a terminal.',
        }),
        address: Type.Optional(Type.Union([Type.String({ pattern: TELEMETRY_ADDRESS_PATTERN }), Type.Null()], {
          [RESOLVED_DEFAULT]: DEFAULT_TELEMETRY_ADDRESS,
          description:
            '`host:port` of the telemetry server (`/metrics`, `/livez`, `/readyz`, `/status`, the status page, `ferry top` and `ferry tap`); `null` turns it off. A port taken at start stops Ferry with an error naming this option; unset, the default address only warns and runs without the server. Not a loopback address: `authToken` is required.',
        })),
        authToken: Type.Optional(
          Secret({
            minLength: 16,
            description: 'Bearer token every telemetry request but `/livez` and `/readyz` must carry (`Authorization: Bearer <token>`). Required when `address` is not a loopback address.',
          }),
        ),
        recoveryDurationMs: Type.Integer({
          minimum: 0,
          default: 300_000,
          description: 'How long a component may stay in a recoverable error (a destination down, retrying) before `/status` calls it unhealthy (ms). Permanent errors are unhealthy at once.',
        }),
      },
      { additionalProperties: false, default: {}, description: "Ferry's own logs, progress display and telemetry server." },
    ),
    shutdownTimeoutMs: Type.Integer({ minimum: 0, default: 30_000, description: 'How long SIGTERM waits for batches in flight to be delivered before exiting.' }),
    memoryMaxBytes: Type.Integer({
      minimum: 1024 * 1024,
      default: 4 * 1024 * 1024,
      description:
        "Without `storage`: most bytes of events one pipeline holds in memory (not yet delivered to every exporter, batches being sent included); past it receivers are pushed back. More absorbs a slower destination for longer but is lost on a crash and costs memory (a full 16 MiB raised peak RSS by about 20 MB). Keep it well above the largest hand-off from a receiver (the Grantex receiver reads ahead up to 1 MiB; a webhook body is up to its `maxBodyBytes`), which waits for that much room, and above twice an exporter's largest batch, or batches are cut short to fit. Ignored with `storage` (see `storage.maxBytes`).",
    }),
  },
  { additionalProperties: false },
);

export function hostRootProperties(sections: { receivers: TSchema; processors: TSchema; exporters: TSchema }): Record<string, TSchema> {
  return {
    $schema: Type.String({ description: 'The JSON Schema for editors (`ferry schema > ferry.schema.json`).' }),
    plugins: Type.Array(Type.String(), { default: [], description: 'Extra plugin packages (npm names) or paths to load, besides installed Ferry plugins.' }),
    storage: storageSchema,
    receivers: sections.receivers,
    processors: sections.processors,
    exporters: sections.exporters,
    service: serviceSchema,
  };
}

export type { TObject };
