import { ConfigError, PermanentError } from '@ferry/sdk';
import { statusError } from '@ferry/sdk/http';

/** Where a request went and which options say so, for messages. */
export interface Place {
  /** `site datadoghq.eu` or `endpoint proxy:8080`. */
  readonly destination: string;
  /** The config path of the key: `exporters.<id>.apiKey`. */
  readonly keyOption: string;
  /** The config path of the address: `exporters.<id>.endpoint` (or `.site`). */
  readonly addressOption: string;
}

const because = (reason: string) => (reason ? `: ${reason}` : '');

/**
 * What a non-2xx answer of the intake means (the shared HTTP classification, in Datadog's
 * words): 408, 429 and 5xx are retried honouring Retry-After; 413 is split; 401 and 403
 * mean the key is wrong for where it was sent, 404 and 405 that the address is — either way
 * a ConfigError, which holds the events queued until the config is fixed; anything else
 * (400 above all) is the intake refusing this content for good.
 */
export function answerError(status: number, reason: string, retryAfter: string | null, place: Place): Error {
  if (status === 401 || status === 403) return new ConfigError(keyRefused(status, reason, place));
  if (status === 404 || status === 405) {
    return new ConfigError(
      `the Datadog intake (${place.destination}) answered ${status}${because(reason)}: check ${place.addressOption} — a site, a base URL (https://proxy:8080) or the full intake URL (…/api/v2/logs)`,
    );
  }
  const refused = status >= 400 && status < 500 && status !== 408 && status !== 429 && status !== 413;
  const message = refused ? `the Datadog intake (${place.destination}) refused the logs with ${status}${because(reason)}` : `the Datadog intake (${place.destination}) answered ${status}${because(reason)}`;
  return statusError(status, message, { retryAfter }) ?? new PermanentError(`the Datadog intake (${place.destination}) answered ${status} without a body it could take`);
}

/** One entry refused as too large even alone: it is never truncated, so it is dead-lettered. */
export function entryTooLarge(bytes: number, refusal: Error, place: Place): PermanentError {
  const reason = refusal.message.replace(/^the Datadog intake \([^)]*\) answered 413:? ?/, '');
  return new PermanentError(`the Datadog intake (${place.destination}) refused a ${bytes}-byte log entry as too large (413)${because(reason)}`);
}

export function keyRefused(status: number, reason: string, place: Place): string {
  return `Datadog refused the API key sent to ${place.destination} (${status}${because(reason)}): check ${place.keyOption} — an API key (not an application key) of the organisation on that site`;
}

/** A response body as one short line, never repeating the key (a proxy may echo headers). */
export async function readReason(response: Response, apiKey: string): Promise<string> {
  const text = (await response.text().catch(() => '')).split(apiKey).join('[redacted]').replace(/\s+/g, ' ').trim();
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
