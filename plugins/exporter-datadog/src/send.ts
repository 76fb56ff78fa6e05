import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { PermanentError, RetryableError } from '@ferry/sdk';
import type { DatadogConfig } from './config.js';
import { intakeUrl } from './config.js';
import { payload, type Entry } from './encode.js';

const gzip = promisify(gzipCallback);

export type SendOutcome = { readonly kind: 'ok' } | { readonly kind: 'too-large' } | { readonly kind: 'failed'; readonly error: Error };

function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

async function reason(response: Response): Promise<string> {
  const text = (await response.text().catch(() => '')).replace(/\s+/g, ' ').trim();
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** One POST to the intake; 2xx is success, 413 asks for a split, the rest is classified. */
export async function sendEntries(entries: readonly Entry[], config: DatadogConfig, id: string, signal: AbortSignal): Promise<SendOutcome> {
  const body = Buffer.from(payload(entries));
  const compressed = config.compression === 'gzip' ? await gzip(body) : body;
  let response: Response;
  try {
    response = await fetch(intakeUrl(config), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'dd-api-key': config.apiKey, ...(config.compression === 'gzip' ? { 'content-encoding': 'gzip' } : {}) },
      body: compressed,
      signal: AbortSignal.any([signal, AbortSignal.timeout(config.requestTimeoutMs)]),
    });
  } catch (error) {
    // A reset connection or a timeout: the entries may or may not have arrived; sending again is the safe side.
    return { kind: 'failed', error: new RetryableError(`cannot reach the Datadog intake for ${config.site}: ${(error as Error).message}`, { cause: error }) };
  }
  const status = response.status;
  if (status >= 200 && status < 300) {
    await response.body?.cancel();
    return { kind: 'ok' };
  }
  if (status === 413) {
    await response.body?.cancel();
    return { kind: 'too-large' };
  }
  const why = await reason(response);
  if (status === 408 || status === 429 || status >= 500) {
    const wait = retryAfterMs(response.headers.get('retry-after'));
    return { kind: 'failed', error: new RetryableError(`Datadog intake answered ${status}${why ? `: ${why}` : ''}`, wait === undefined ? {} : { retryAfterMs: wait }) };
  }
  if (status === 401 || status === 403) {
    return { kind: 'failed', error: new PermanentError(`Datadog refused the API key for site ${config.site} (${status}): check exporters.${id}.apiKey${why ? ` — ${why}` : ''}`) };
  }
  return { kind: 'failed', error: new PermanentError(`Datadog intake refused the logs (${status})${why ? `: ${why}` : ''}`) };
}
