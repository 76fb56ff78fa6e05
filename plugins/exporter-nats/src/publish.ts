import type { JetStreamClient, PubAck } from 'nats';
import type { Batch, RejectedEvent } from '@ferry/sdk';
import { subjectFor } from '@ferry/nats';

export interface PublishPlan {
  readonly js: JetStreamClient;
  readonly stream: string;
  readonly subject: string;
  readonly maxPending: number;
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
 * stored and `Nats-Msg-Id` = its id, with at most `maxPending` awaiting their PubAck. An
 * event is delivered only once its PubAck is in; each failure is reported for its event.
 */
export async function publishBatch(batch: Batch, plan: PublishPlan, signal: AbortSignal): Promise<Published> {
  const { events, lines } = batch;
  const rejected: RejectedEvent[] = [];
  let duplicates = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < batch.count) {
      const index = next++;
      const event = events[index];
      const line = lines[index];
      if (event === undefined || line === undefined) continue;
      const subject = subjectFor(plan.subject, event);
      if (signal.aborted) {
        rejected.push({ index, error: signal.reason instanceof Error ? signal.reason : new Error('the attempt was aborted') });
        continue;
      }
      let ack: PubAck;
      try {
        ack = await plan.js.publish(subject, encoder.encode(line), { msgID: event.id, expect: { streamName: plan.stream }, timeout: plan.timeoutMs });
      } catch (error) {
        rejected.push({ index, error: await plan.classify(error, subject) });
        continue;
      }
      if (ack.duplicate) duplicates++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(plan.maxPending, batch.count) }, worker));
  return { rejected: rejected.sort((a, b) => a.index - b.index), duplicates };
}
