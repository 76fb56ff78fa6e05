import { ConfigError, PermanentError, RetryableError } from '@ferry/sdk';
import { statusError } from '@ferry/sdk/http';

/** What HEC answered to one request. */
export interface HecAnswer {
  readonly status: number;
  readonly retryAfter: string | null;
  /** HEC's own status code (`{"text":…,"code":9}`), when the body has one. */
  readonly code: number | undefined;
  readonly text: string;
  readonly ackId: number | undefined;
  /** Which event of the request HEC could not read (`invalid-event-number`). */
  readonly invalidEvent: number | undefined;
}

/** Where requests go and the option holding the token, for messages that never carry it. */
export interface Place {
  readonly destination: string;
  readonly configPath: string;
}

/** Reads HEC's JSON answer; a proxy's HTML page yields no code, only its first words. */
export function readAnswer(status: number, retryAfter: string | null, body: string, token: string): HecAnswer {
  let parsed: { text?: unknown; code?: unknown; ackId?: unknown; 'invalid-event-number'?: unknown } = {};
  try {
    const value: unknown = JSON.parse(body);
    if (typeof value === 'object' && value !== null) parsed = value as typeof parsed;
  } catch {
    // not HEC's JSON
  }
  const flat = (typeof parsed.text === 'string' ? parsed.text : body).split(token).join('[redacted]').replace(/\s+/g, ' ').trim();
  const number = (value: unknown) => (typeof value === 'number' && Number.isInteger(value) ? value : undefined);
  return {
    status,
    retryAfter,
    code: number(parsed.code),
    text: flat.length > 200 ? `${flat.slice(0, 200)}…` : flat,
    ackId: number(parsed.ackId),
    invalidEvent: number(parsed['invalid-event-number']),
  };
}

/** HEC's codes that say the token or its settings are wrong, not the events. */
const TOKEN_CODES = new Set([1, 2, 3, 4, 16]);
/** HEC's codes that say it cannot take data now: server busy, queues full, acknowledgement service unavailable. */
const BUSY_CODES = new Set([9, 18, 19, 20]);

/**
 * What an answer means for the whole request, as the error to throw (undefined when HEC
 * took it). HEC's own code decides first: a disabled, missing or invalid token is a
 * ConfigError (the events wait, the exporter shows failed); an index the token may not
 * write to (7), or a channel problem (10, 11, 14), too; server busy or queues full
 * (9, 18–20) is retried with push-back, whatever the HTTP status. Otherwise the SDK's
 * reading of the HTTP status applies (5xx retried, 413 split, other 4xx dead-lettered).
 */
export function answerError(answer: HecAnswer, place: Place): Error | undefined {
  const { status, code, text } = answer;
  const said = `${status}${code === undefined ? '' : `, code ${code}`}${text ? `: ${text}` : ''}`;
  if (status >= 200 && status < 300 && (code === undefined || code === 0)) return undefined;
  if (code !== undefined && TOKEN_CODES.has(code)) return new ConfigError(`${place.destination} refused the token (${said}): check ${place.configPath}.hecToken — it must be enabled and allowed to write to the index`);
  if (code === 7) return new ConfigError(`${place.destination} refused the index (${said}): check ${place.configPath}.index against the token's allowed indexes`);
  if (code === 10 || code === 11 || code === 14) return new ConfigError(`${place.destination} refused the channel (${said}): indexer acknowledgement on the token and ${place.configPath}.useAck must agree`);
  if (code !== undefined && BUSY_CODES.has(code)) {
    const error = statusError(503, `${place.destination} is busy (${said})`, { retryAfter: answer.retryAfter });
    return error ?? new RetryableError(`${place.destination} is busy (${said})`, { pushBack: true });
  }
  return statusError(status >= 200 && status < 300 ? 500 : status, `${place.destination} answered ${said}`, { retryAfter: answer.retryAfter }) ?? new PermanentError(`${place.destination} answered ${said}`);
}
