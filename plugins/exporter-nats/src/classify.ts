import { PermanentError, RetryableError } from '@ferry/sdk';
import { apiErrorCode, describeNatsError, errorCode, isNoResponders, JS_ERR } from '@ferry/nats';

export interface PublishPlace {
  readonly stream: string;
  readonly servers: string;
}

/**
 * What the host should do with a failed publish. Too large (over the server's max_payload or
 * the stream's max_msg_size) and a subject another stream takes are permanent: sending again
 * cannot help. A subject in no stream is permanent too, but on the wire it looks exactly like
 * JetStream being away (no responders), so `inNoStream` is asked only then. Everything else —
 * timeouts, no responders for a subject the stream takes, a full stream, a lost connection —
 * is retried; JetStream absorbs a publish that had in fact arrived by its `Nats-Msg-Id`.
 */
export async function classifyPublishError(error: unknown, subject: string, place: PublishPlace, inNoStream: (subject: string) => Promise<boolean>): Promise<Error> {
  const reason = describeNatsError(error);
  if (errorCode(error) === 'MAX_PAYLOAD_EXCEEDED') return new PermanentError(`the event is larger than the NATS server's max_payload (${place.servers}): ${reason}`, { cause: error });
  const api = apiErrorCode(error);
  if (api === JS_ERR.messageTooLarge) return new PermanentError(`stream "${place.stream}" refused the event as too large (its max_msg_size): ${reason}`, { cause: error });
  if (api === JS_ERR.streamNotMatch) return new PermanentError(`subject "${subject}" belongs to another stream than "${place.stream}": ${reason}`, { cause: error });
  if (isNoResponders(error) && (await inNoStream(subject))) {
    return new PermanentError(`subject "${subject}" is in no JetStream stream on ${place.servers} (stream "${place.stream}" does not take it)`, { cause: error });
  }
  return new RetryableError(`publishing to stream "${place.stream}" on ${place.servers} failed: ${reason}`, { cause: error });
}
