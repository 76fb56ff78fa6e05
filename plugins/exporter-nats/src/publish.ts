import type { JetStreamClient, PubAck } from 'nats';
import type { Batch, RejectedEvent } from '@ferry/sdk';
import { subjectFor } from '@ferry/nats';
import type { PublishWindow } from './window.js';

export interface PublishPlan {
  readonly js: JetStreamClient;
  readonly stream: string;
  readonly subject: string;
  /** Shared by every batch of the exporter: at most `maxPending` publishes await a PubAck. */
  readonly window: PublishWindow;
  readonly timeoutMs: number;
  /** Turns a failed publish into what the host should do with that event. */
  readonly classify: (error: unknown, subject: string) => Promise<Error>;
}

export interface Published {
  readonly rejected: RejectedEvent[];
  /** PubAcks that said the stream already had the message (a re-send absorbed by `Nats-Msg-Id`). */
  readonly duplicates: number;
}

const encoder = new TextEncoder();

/**
 * Publishes every event of the batch, each its own message carrying the event's text as
 * stored and `Nats-Msg-Id` = its id, each publish holding a slot of the exporter's window
 * until its PubAck is in. An event is delivered only once its PubAck is in; each failure is
 * reported for its event.
 */
export async function publishBatch(batch: Batch, plan: PublishPlan, signal: AbortSignal): Promise<Published> {
  const { events, lines } = batch;
  const rejected: RejectedEvent[] = [];
  let duplicates = 0;
  const one = async (index: number): Promise<void> => {
    const event = events[index] as (typeof events)[number];
    const subject = subjectFor(plan.subject, event);
    let ack: PubAck;
    try {
      ack = await plan.js.publish(subject, encoder.encode(lines[index] as string), { msgID: event.id, expect: { streamName: plan.stream }, timeout: plan.timeoutMs });
    } catch (error) {
      rejected.push({ index, error: await plan.classify(error, subject) });
      return;
    } finally {
      plan.window.give();
    }
    if (ack.duplicate) duplicates++;
  };
  const pending: Array<Promise<void>> = [];
  for (let index = 0; index < batch.count; index++) {
    if (signal.aborted) {
      rejected.push({ index, error: signal.reason instanceof Error ? signal.reason : new Error('the attempt was aborted') });
      continue;
    }
    await plan.window.take();
    pending.push(one(index));
  }
  await Promise.all(pending);
  return { rejected: rejected.sort((a, b) => a.index - b.index), duplicates };
}
