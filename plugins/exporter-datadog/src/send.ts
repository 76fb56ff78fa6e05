import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { DatadogConfig } from './config.js';
import { payload, type Entry } from './encode.js';
import { readReason, unreachable, type IntakeAnswer, type Place } from './errors.js';

// The callback form runs on libuv's thread pool, so compressing 5 MB never blocks the loop.
const gzip = promisify(gzipCallback);

export interface SendTarget {
  readonly url: string;
  readonly config: DatadogConfig;
  readonly place: Place;
}

/**
 * One POST of entries to the intake. Resolves with the answer, whatever its status;
 * rejects with a RetryableError when there was none (reset, refused, timed out).
 */
export async function postEntries(entries: readonly Entry[], target: SendTarget, signal: AbortSignal): Promise<IntakeAnswer> {
  const { config } = target;
  const body = config.compression === 'gzip' ? await gzip(payload(entries)) : payload(entries);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'dd-api-key': config.apiKey };
  if (config.compression === 'gzip') headers['content-encoding'] = 'gzip';
  let response: Response;
  try {
    response = await fetch(target.url, { method: 'POST', headers, body, signal: AbortSignal.any([signal, AbortSignal.timeout(config.requestTimeoutMs)]) });
  } catch (error) {
    throw unreachable(error, target.place, config.requestTimeoutMs, signal);
  }
  let reason = '';
  // A success body says nothing (`{}`); reading it still frees the connection for reuse.
  if (response.status >= 200 && response.status < 300) await response.arrayBuffer().catch(() => undefined);
  else reason = await readReason(response, config.apiKey);
  return { status: response.status, retryAfter: response.headers.get('retry-after'), reason };
}
