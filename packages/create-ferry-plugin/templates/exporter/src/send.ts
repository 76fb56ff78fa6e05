import type { Batch } from '@ferry/sdk';
import { fetchAnswer, statusError } from '@ferry/sdk/http';
import type { Config } from './config.js';

/**
 * POSTs one batch as the NDJSON Ferry stored (the events' own text, byte for byte).
 * Resolves once the destination took it; otherwise throws what its answer means for the
 * host: retried (408, 429, 5xx, no answer — honouring Retry-After), held until the config
 * is fixed (401, 403, 404), or dead-lettered (another refusal).
 */
export async function sendBatch(batch: Batch, config: Config, signal: AbortSignal): Promise<void> {
  const destination = new URL(config.url).host; // for messages: never the path or query, which may hold a token
  // fetchAnswer: one deadline for the stop and the timeout, and a request with no answer worded for the log.
  const status = await fetchAnswer(
    config.url,
    {
      method: 'POST',
      headers: {
        'content-type': 'application/x-ndjson',
        // The same batch may be sent again after a failure: its id lets the destination drop the copy.
        'idempotency-key': batch.id,
        ...(config.token === undefined ? {} : { authorization: `Bearer ${config.token}` }),
      },
      body: batch.ndjson(),
    },
    { signal, timeoutMs: config.requestTimeoutMs, destination },
    async (response) => {
      await response.arrayBuffer().catch(() => undefined); // read, so the connection is reused
      return { code: response.status, retryAfter: response.headers.get('retry-after') };
    },
  );
  const error = statusError(status.code, `${destination} answered ${status.code}`, { retryAfter: status.retryAfter });
  if (error !== undefined) throw error;
}
