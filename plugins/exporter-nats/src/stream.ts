import { DiscardPolicy, nanos, millis, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig, type StreamInfo } from 'nats';
import { ConfigError } from '@ferry/sdk';
import { apiErrorCode, coveredBy, describeNatsError, JS_ERR, templateFilter } from '@ferry/nats';
import type { NatsExporterConfig, StreamSettings } from './config.js';

export interface StreamPlace {
  /** `exporters.<id>`. */
  readonly path: string;
  /** The servers, without credentials. */
  readonly servers: string;
}

async function infoOf(jsm: JetStreamManager, name: string): Promise<StreamInfo | undefined> {
  try {
    return await jsm.streams.info(name);
  } catch (error) {
    if (apiErrorCode(error) === JS_ERR.streamNotFound) return undefined;
    throw error;
  }
}

function desired(config: NatsExporterConfig, settings: StreamSettings): Partial<StreamConfig> & { name: string } {
  return {
    name: config.stream,
    subjects: settings.subjects ?? [templateFilter(config.subject)],
    storage: settings.storage === 'memory' ? StorageType.Memory : StorageType.File,
    num_replicas: settings.replicas,
    duplicate_window: nanos(settings.duplicateWindowMs),
    max_age: nanos(settings.maxAgeMs),
    max_bytes: settings.maxBytes,
    max_msg_size: settings.maxMsgSize,
    // A full stream refuses new messages (Ferry retries them) rather than dropping old ones.
    discard: DiscardPolicy.New,
    retention: RetentionPolicy.Limits,
  };
}

/** What differs between the stream as it is and as configured, in words. */
function differences(current: StreamConfig, wanted: Partial<StreamConfig>): string[] {
  const out: string[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (!same([...(current.subjects ?? [])].sort(), [...(wanted.subjects ?? [])].sort())) out.push(`subjects ${JSON.stringify(current.subjects)} → ${JSON.stringify(wanted.subjects)}`);
  if (current.num_replicas !== wanted.num_replicas) out.push(`replicas ${current.num_replicas} → ${wanted.num_replicas}`);
  if (current.duplicate_window !== wanted.duplicate_window) out.push(`duplicate window ${millis(current.duplicate_window)} ms → ${millis(wanted.duplicate_window ?? 0)} ms`);
  if (current.max_age !== wanted.max_age) out.push(`max age ${millis(current.max_age)} ms → ${millis(wanted.max_age ?? 0)} ms`);
  if (current.max_bytes !== wanted.max_bytes) out.push(`max bytes ${current.max_bytes} → ${wanted.max_bytes}`);
  if (current.max_msg_size !== wanted.max_msg_size) out.push(`max message size ${current.max_msg_size} → ${wanted.max_msg_size}`);
  if (current.discard !== wanted.discard) out.push(`discard ${current.discard} → ${wanted.discard}`);
  return out;
}

/**
 * Makes sure the stream can take what this exporter publishes: with `createStream`, creates
 * it or updates it to the settings; without, checks that it exists. Either way its subjects
 * must cover every subject the template can produce. Says what is wrong as a ConfigError;
 * returns the stream's subjects and what it did, for the start log line.
 */
export async function ensureStream(jsm: JetStreamManager, config: NatsExporterConfig, place: StreamPlace): Promise<{ subjects: string[]; action: string }> {
  let info = await infoOf(jsm, config.stream);
  let action = 'found';
  const settings = config.createStream;
  if (settings !== undefined) {
    const wanted = desired(config, settings);
    try {
      if (info === undefined) {
        info = await jsm.streams.add(wanted);
        action = 'created';
      } else {
        if (info.config.storage !== wanted.storage) {
          throw new ConfigError(`${place.path}.createStream.storage: stream "${config.stream}" on ${place.servers} is stored in ${info.config.storage}, and a stream's storage cannot change: set storage to "${info.config.storage}", or use another stream`);
        }
        const changes = differences(info.config, wanted);
        if (changes.length > 0) {
          info = await jsm.streams.update(config.stream, { ...info.config, ...wanted });
          action = `updated (${changes.join(', ')})`;
        }
      }
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      if (apiErrorCode(error) !== undefined) {
        throw new ConfigError(`${place.path}.createStream: JetStream on ${place.servers} refused stream "${config.stream}": ${describeNatsError(error)}`, { cause: error });
      }
      throw error;
    }
  } else if (info === undefined) {
    throw new ConfigError(
      `${place.path}.stream: stream "${config.stream}" does not exist on ${place.servers}; create it (nats stream add ${config.stream} --subjects '${templateFilter(config.subject)}' --dupe-window 2m), or set ${place.path}.createStream: {} to let Ferry create it`,
    );
  }
  const subjects = info.config.subjects ?? [];
  const publishes = templateFilter(config.subject);
  if (!coveredBy(subjects, publishes)) {
    throw new ConfigError(
      `${place.path}.subject: "${config.subject}" publishes on ${publishes}, but stream "${config.stream}" takes only ${JSON.stringify(subjects)}: change the subject, or add ${publishes} to the stream's subjects`,
    );
  }
  return { subjects, action };
}
