import { ConfigError, RetryableError, type Logger } from '@ferry/sdk';
import { describeNetworkError, requestDeadline } from '@ferry/sdk/http';
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
  // Not AbortSignal.any over AbortSignal.timeout: on Node 20 a garbage collection before the
  // timeout can collect the timeout signal, and the check then waits for an answer forever.
  const deadline = requestDeadline(signal, timeoutMs);
  let response: Response;
  let reason: string;
  try {
    response = await fetch(url, { headers: { 'dd-api-key': config.apiKey }, signal: deadline.signal });
    reason = await readReason(response, config.apiKey);
  } catch (error) {
    const why = (error as { name?: unknown }).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : describeNetworkError(error);
    throw new RetryableError(`cannot reach Datadog (${place.destination}) to check ${place.keyOption}: ${why}`, { cause: error });
  } finally {
    deadline.done();
  }
  if (response.ok) return;
  if (response.status === 401 || response.status === 403) throw new ConfigError(keyRefused(response.status, reason, place));
  throw new RetryableError(
    `the API key check at ${new URL(url).host} answered ${response.status}${reason ? `: ${reason}` : ''} — the key is unverified; if this endpoint does not serve /api/v1/validate, set validateApiKey: false`,
  );
}
