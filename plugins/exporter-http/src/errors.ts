import { ConfigError } from '@ferry/sdk';
import { statusError } from '@ferry/sdk/http';
import type { Answer } from './transport.js';

/** Where requests go and which options hold credentials, for messages that never carry them. */
export interface Place {
  /** The URL's origin. */
  readonly destination: string;
  /** `exporters.<id>` */
  readonly configPath: string;
  /** Every secret value of the config, blanked out of any text echoed from the receiver. */
  readonly secrets: readonly string[];
}

/** A response body as one short line, with every secret blanked out (a proxy may echo headers). */
export function reasonOf(text: string, secrets: readonly string[]): string {
  let flat = text;
  for (const secret of secrets) if (secret.length > 0) flat = flat.split(secret).join('[redacted]');
  flat = flat.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}

const because = (reason: string) => (reason ? `: ${reason}` : '');

/**
 * What an answer means, as the error to throw (undefined when delivered): the SDK's reading
 * of the status (408/429/5xx retried honouring Retry-After, 413 split, 401/403/404/405 a
 * ConfigError, other 4xx dead-lettered), and a redirect is a ConfigError too: it is never
 * followed, so that a signed body never goes where the config did not say.
 */
export function answerError(answer: Answer, place: Place): Error | undefined {
  const { status } = answer;
  const reason = reasonOf(answer.text, place.secrets);
  if (status >= 300 && status < 400) {
    const to = answer.location === undefined ? '' : ` to ${safeLocation(answer.location)}`;
    return new ConfigError(`${place.destination} redirects (${status})${to}: set ${place.configPath}.url to where events must go (redirects are not followed, so that a signed body never goes elsewhere)`);
  }
  if (status === 401 || status === 403) {
    return new ConfigError(`${place.destination} refused the credentials (${status}${because(reason)}): check ${place.configPath}.auth, .headers and .secret`);
  }
  const verb = status === 413 || status >= 500 || status === 408 || status === 429 ? 'answered' : 'refused the events with';
  return statusError(status, `${place.destination} ${verb} ${status}${because(reason)}`, { retryAfter: answer.retryAfter ?? null });
}

function safeLocation(location: string): string {
  try {
    return new URL(location).origin;
  } catch {
    return 'another address';
  }
}
