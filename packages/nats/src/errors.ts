/**
 * How NATS and JetStream errors read: the client's codes (`503` no responders, `TIMEOUT`,
 * `MAX_PAYLOAD_EXCEEDED`, …) and JetStream's API error codes (`err_code`).
 */
export const JS_ERR = {
  /** The message is over the stream's `max_msg_size`. */
  messageTooLarge: 10054,
  /** No stream with that name. */
  streamNotFound: 10059,
  /** The subject landed in another stream than the publish expected. */
  streamNotMatch: 10060,
  /** Compare-and-set failed: the subject's last sequence is not the one given. */
  wrongLastSequence: 10071,
  /** No consumer with that name. */
  consumerNotFound: 10014,
} as const;

interface NatsLikeError {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly api_error?: { readonly code?: number; readonly err_code?: number; readonly description?: string };
}

export function apiErrorCode(error: unknown): number | undefined {
  const code = (error as NatsLikeError | null)?.api_error?.err_code;
  return typeof code === 'number' ? code : undefined;
}

export function errorCode(error: unknown): string | undefined {
  const code = (error as NatsLikeError | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Nobody answered the request: JetStream is not there for that subject (or at all, right now). */
export function isNoResponders(error: unknown): boolean {
  return errorCode(error) === '503';
}

export function isTimeout(error: unknown): boolean {
  return errorCode(error) === 'TIMEOUT';
}

/** The connection is closed, draining or reconnecting: the request may go through later. */
export function isConnectionLoss(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'CONNECTION_CLOSED' || code === 'DISCONNECT' || code === 'CONNECTION_DRAINING' || code === 'CONNECTION_REFUSED' || code === 'CONNECTION_TIMEOUT';
}

/** An error's message with JetStream's description when it has one. */
export function describeNatsError(error: unknown): string {
  const e = error as NatsLikeError | null;
  const description = e?.api_error?.description;
  const message = typeof e?.message === 'string' ? e.message : String(error);
  if (isNoResponders(error)) return 'no responders (JetStream did not answer)';
  if (isTimeout(error)) return 'timed out waiting for JetStream';
  return description !== undefined && description !== '' && !message.includes(description) ? `${description} (${message})` : message;
}
