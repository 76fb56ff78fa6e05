import { ConfigError, RetryableError, type Logger } from '@ferry/sdk';
import { fetchAnswer } from '@ferry/sdk/http';
import { validateUrl, type DatadogConfig } from './config.js';
import { keyRefused, readReason, type Place } from './errors.js';

/** The check is one small GET; it never holds start for long. */
const CHECK_TIMEOUT_MS = 10_000;

/**
 * The start check: `GET /api/v1/validate` with the key, as a real write would authenticate.
 * A refused key is a ConfigError (the collector does not start with a key that cannot
 * deliver); no answer, or an answer that says nothing about the key, is a RetryableError
 * (the host warns and events queue until Datadog is reachable).
 */
export async function checkApiKey(config: DatadogConfig, place: Place, logger: Logger, signal: AbortSignal): Promise<void> {
  if (!config.validateApiKey) return;
  const url = validateUrl(config);
  if (url === undefined) {
    logger.info('API key not checked at start: the endpoint is not a Logs API v2 address (…/api/v2/logs), so its validate API is unknown', { destination: place.destination });
    return;
  }
  const timeoutMs = Math.min(config.requestTimeoutMs, CHECK_TIMEOUT_MS);
  const options = {
    signal,
    timeoutMs,
    destination: `Datadog (${place.destination}) to check ${place.keyOption}`,
    timeoutOption: timeoutMs === config.requestTimeoutMs ? 'requestTimeoutMs' : 'the start check\'s limit',
  };
  const { response, reason } = await fetchAnswer(url, { headers: { 'dd-api-key': config.apiKey } }, options, async (answer) => ({ response: answer, reason: await readReason(answer, config.apiKey) }));
  if (response.ok) return;
  if (response.status === 401 || response.status === 403) throw new ConfigError(keyRefused(response.status, reason, place));
  throw new RetryableError(
    `the API key check at ${new URL(url).host} answered ${response.status}${reason ? `: ${reason}` : ''} — the key is unverified; if this endpoint does not serve /api/v1/validate, set validateApiKey: false`,
  );
}
