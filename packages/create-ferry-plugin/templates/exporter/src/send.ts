import type { Batch } from '@ferry/sdk';
import { requestDeadline, statusError, unreachable } from '@ferry/sdk/http';
import type { Config } from './config.js';

/**
 * POSTs one batch as the NDJSON Ferry stored (the events' own text, byte for byte).
 * Resolves once the destination took it; otherwise throws what its answer means for the
 * host: retried (408, 429, 5xx, no answer — honouring Retry-After), held until the config
 * is fixed (401, 403, 404), or dead-lettered (another refusal).
 */
export async function sendBatch(batch: Batch, config: Config, signal: AbortSignal): Promise<void> {
  const destination = new URL(config.url).host; // for messages: never the path or query, which may hold a token
  // One signal for the stop and the timeout (AbortSignal.any over AbortSignal.timeout can
  // lose the timeout to a garbage collection on Node 20, and the request then never ends).
  const deadline = requestDeadline(signal, config.requestTimeoutMs);
  let response: Response;
  try {
    response = await fetch(config.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-ndjson',
        // The same batch may be sent again after a failure: its id lets the destination drop the copy.
        'idempotency-key': batch.id,
        ...(config.token === undefined ? {} : { authorization: `Bearer ${config.token}` }),
      },
      body: batch.ndjson(),
      signal: deadline.signal,
    });
    await response.arrayBuffer().catch(() => undefined); // read, so the connection is reused
  } catch (error) {
    throw unreachable(destination, error, { signal, timeout: `${config.requestTimeoutMs} ms (requestTimeoutMs)` });
  } finally {
    deadline.done();
  }
  const error = statusError(response.status, `${destination} answered ${response.status}`, { retryAfter: response.headers.get('retry-after') });
  if (error !== undefined) throw error;
}
