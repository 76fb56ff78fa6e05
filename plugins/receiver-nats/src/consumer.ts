import { AckPolicy, DeliverPolicy, millis, nanos, type ConsumerConfig, type ConsumerInfo, type JetStreamManager } from 'nats';
import { ConfigError } from '@ferry/sdk';
import { apiErrorCode, describeNatsError, JS_ERR } from '@ferry/nats';
import type { NatsReceiverConfig } from './config.js';

export interface ConsumerPlace {
  /** `receivers.<id>`. */
  readonly path: string;
  readonly servers: string;
}

async function infoOf(jsm: JetStreamManager, stream: string, consumer: string): Promise<ConsumerInfo | undefined> {
  try {
    return await jsm.consumers.info(stream, consumer);
  } catch (error) {
    if (apiErrorCode(error) === JS_ERR.consumerNotFound) return undefined;
    if (apiErrorCode(error) === JS_ERR.streamNotFound) return undefined;
    throw error;
  }
}

/**
 * Binds the durable pull consumer: with `createConsumer`, creates it (explicit ack,
 * `ack_wait`, `max_ack_pending`) or updates it; without, it must exist. Either way it must be
 * a pull consumer with explicit acknowledgement, or Ferry could not hold a message until its
 * event is on disk. Throws a ConfigError saying what is wrong.
 */
export async function bindConsumer(jsm: JetStreamManager, config: NatsReceiverConfig, place: ConsumerPlace): Promise<{ info: ConsumerInfo; action: string }> {
  const { stream, consumer } = config;
  try {
    await jsm.streams.info(stream);
  } catch (error) {
    if (apiErrorCode(error) === JS_ERR.streamNotFound) throw new ConfigError(`${place.path}.stream: stream "${stream}" does not exist on ${place.servers}; the nats exporter creates it with createStream, or: nats stream add ${stream}`);
    throw error;
  }
  let info = await infoOf(jsm, stream, consumer);
  let action = 'bound';
  const settings = config.createConsumer;
  if (settings !== undefined) {
    const wanted: Partial<ConsumerConfig> = {
      durable_name: consumer,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(settings.ackWaitMs),
      max_ack_pending: settings.maxAckPending,
      max_deliver: settings.maxDeliver,
      ...(settings.filterSubject === undefined ? {} : { filter_subject: settings.filterSubject }),
    };
    try {
      if (info === undefined) {
        info = await jsm.consumers.add(stream, { ...wanted, deliver_policy: settings.deliverPolicy === 'new' ? DeliverPolicy.New : DeliverPolicy.All });
        action = 'created';
      } else if (
        info.config.ack_wait !== wanted.ack_wait ||
        info.config.max_ack_pending !== wanted.max_ack_pending ||
        info.config.max_deliver !== wanted.max_deliver ||
        (info.config.filter_subject ?? undefined) !== wanted.filter_subject
      ) {
        info = await jsm.consumers.update(stream, consumer, { ack_wait: wanted.ack_wait, max_ack_pending: wanted.max_ack_pending, max_deliver: wanted.max_deliver, ...(wanted.filter_subject ? { filter_subject: wanted.filter_subject } : {}) });
        action = 'updated';
      }
    } catch (error) {
      if (apiErrorCode(error) !== undefined) throw new ConfigError(`${place.path}.createConsumer: JetStream on ${place.servers} refused consumer "${consumer}" of stream "${stream}": ${describeNatsError(error)}`, { cause: error });
      throw error;
    }
  } else if (info === undefined) {
    throw new ConfigError(`${place.path}.consumer: consumer "${consumer}" of stream "${stream}" does not exist on ${place.servers}; create it (a durable pull consumer with explicit ack), or set ${place.path}.createConsumer: {} to let Ferry create it`);
  }
  if (info.config.deliver_subject) throw new ConfigError(`${place.path}.consumer: "${consumer}" is a push consumer; Ferry reads a pull consumer (no deliver subject)`);
  if (info.config.ack_policy !== AckPolicy.Explicit) {
    throw new ConfigError(`${place.path}.consumer: "${consumer}" acknowledges with policy "${info.config.ack_policy}"; Ferry needs "explicit", so that a message is let go only once its event is on disk`);
  }
  return { info, action };
}

export function ackWaitOf(info: ConsumerInfo): number {
  return millis(info.config.ack_wait ?? nanos(30_000));
}
