import { promisify } from 'node:util';
import { gzip as gzipCallback, gzipSync } from 'node:zlib';
import { fetchAnswer } from '@ferry/sdk/http';
import type { DatadogConfig } from './config.js';
import { answerError, readReason, type Place } from './errors.js';

// The callback form runs on libuv's thread pool, so compressing 5 MB never blocks the loop.
const gzip = promisify(gzipCallback);

/**
 * Bodies up to this size are compressed on the loop instead: handing one to the thread pool
 * (a stream, a task, a wake-up of both threads) cost about 100 µs of CPU more than the
 * compression itself, 460-500 against 330-370 µs for the 37 KB body of 100 Grantex events,
 * for a loop held well under a millisecond.
 */
const INLINE_GZIP_BYTES = 64 * 1024;

export interface SendTarget {
  readonly url: string;
  readonly config: DatadogConfig;
  readonly place: Place;
}

/**
 * One POST of entries (`json`, the JSON array of them) to the intake. Resolves once the
 * intake took them (2xx); rejects with what its answer means (`answerError`), or a
 * RetryableError when there was none (reset, refused, timed out).
 */
export async function postEntries(json: Buffer, target: SendTarget, signal: AbortSignal): Promise<void> {
  const { config, place } = target;
  const body = config.compression !== 'gzip' ? json : json.length <= INLINE_GZIP_BYTES ? gzipSync(json) : await gzip(json);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'dd-api-key': config.apiKey };
  if (config.compression === 'gzip') headers['content-encoding'] = 'gzip';
  const options = { signal, timeoutMs: config.requestTimeoutMs, destination: `the Datadog intake (${place.destination})` };
  await fetchAnswer(target.url, { method: 'POST', headers, body }, options, async (response) => {
    if (response.status >= 200 && response.status < 300) {
      // A success body says nothing (`{}`); reading it still frees the connection for reuse.
      await response.arrayBuffer().catch(() => undefined);
      return;
    }
    throw answerError(response.status, await readReason(response, config.apiKey), response.headers.get('retry-after'), place);
  });
}
