import type { FerryEvent } from '@ferry/sdk';
import { createEventFactory } from './events.js';
import { retryAfterMs } from '@ferry/sdk/http';
import { signWebhook } from './signature.js';

export interface WebhookOptions {
  /** The endpoint every delivery is POSTed to. */
  readonly url: string;
  /** The endpoint's signing secret. */
  readonly secret: string;
  /** How many events to deliver. */
  readonly total: number;
  /** Deliveries started per second; 0 (default): as fast as they are acknowledged. */
  readonly rate?: number;
  /** Deliveries in flight at once, default 4. */
  readonly concurrency?: number;
  readonly seed?: number;
  /** The event types to generate (default: all). */
  readonly types?: readonly string[];
  /** Also send the deprecated body-only `X-Grantex-Signature`. */
  readonly legacySignature?: boolean;
  /** Backoff between attempts of one delivery (default 200 ms doubling to 5000 ms, jittered); a longer Retry-After wins. */
  readonly retry?: { readonly initialDelayMs?: number; readonly maxDelayMs?: number };
  /** One attempt's time limit, default 10000 ms. */
  readonly requestTimeoutMs?: number;
  /** Deliver these events instead of generated ones (`total` of them). */
  readonly events?: readonly FerryEvent[];
}

export interface WebhookRun {
  /** Events that got a 2xx, in the order of their acknowledgements. */
  readonly acknowledged: readonly FerryEvent[];
  /** Attempts made so far, retries included. */
  readonly attempts: number;
  /** Answers by status code; 0 counts network errors and timeouts. */
  readonly statuses: ReadonlyMap<number, number>;
  /** Resolves when all `total` events are acknowledged, or after `stop()`. */
  readonly done: Promise<void>;
  /** Starts nothing more; attempts in flight finish. Resolves with `done`. */
  stop(): Promise<void>;
}

/**
 * Delivers events as Grantex does: one POST per event, the JSON envelope as the body,
 * signed at each attempt with the current time, retried with backoff (a Retry-After asks
 * for longer) until a 2xx acknowledges it.
 */
export function deliverWebhooks(options: WebhookOptions): WebhookRun {
  const factory = createEventFactory({ ...(options.seed === undefined ? {} : { seed: options.seed }), ...(options.types ? { types: options.types } : {}) });
  const acknowledged: FerryEvent[] = [];
  const statuses = new Map<number, number>();
  const stopping = new AbortController();
  const initialDelayMs = options.retry?.initialDelayMs ?? 200;
  const maxDelayMs = options.retry?.maxDelayMs ?? 5000;
  const started = Date.now();
  let attempts = 0;
  let next = 0;

  const count = (status: number): void => void statuses.set(status, (statuses.get(status) ?? 0) + 1);
  /** Waits `ms`, or less if the run is stopped. */
  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (stopping.signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        stopping.signal.removeEventListener('abort', done);
        resolve();
      }
      stopping.signal.addEventListener('abort', done);
    });

  /** One attempt: the status answered (0 for no answer) and the Retry-After asked for. */
  async function attempt(body: string): Promise<{ status: number; retryAfterMs: number | undefined }> {
    attempts++;
    const signed = signWebhook(options.secret, body, Math.floor(Date.now() / 1000));
    try {
      const response = await fetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-grantex-timestamp': signed['x-grantex-timestamp'],
          'x-grantex-signature-v2': signed['x-grantex-signature-v2'],
          ...(options.legacySignature ? { 'x-grantex-signature': signed['x-grantex-signature'] } : {}),
        },
        body,
        // A redirect is not an acknowledgement.
        redirect: 'manual',
        signal: AbortSignal.timeout(options.requestTimeoutMs ?? 10_000),
      });
      await response.body?.cancel();
      return { status: response.status, retryAfterMs: retryAfterMs(response.headers.get('retry-after')) };
    } catch {
      return { status: 0, retryAfterMs: undefined };
    }
  }

  async function deliver(event: FerryEvent): Promise<void> {
    const body = JSON.stringify(event);
    for (let failures = 0; !stopping.signal.aborted; failures++) {
      const { status, retryAfterMs } = await attempt(body);
      count(status);
      if (status >= 200 && status < 300) {
        acknowledged.push(event);
        return;
      }
      const backoff = Math.min(maxDelayMs, initialDelayMs * 2 ** failures) * (0.5 + Math.random() / 2);
      await pause(Math.max(backoff, retryAfterMs ?? 0));
    }
  }

  async function worker(): Promise<void> {
    while (!stopping.signal.aborted && next < options.total) {
      const index = next++;
      // Made in index order, so a seed gives the same events whatever the timing.
      const event = options.events?.[index] ?? factory.next();
      if (options.rate) await pause(started + (index * 1000) / options.rate - Date.now());
      if (!stopping.signal.aborted) await deliver(event);
    }
  }

  const workers = Math.max(1, Math.min(options.concurrency ?? 4, options.total));
  const done = Promise.all(Array.from({ length: workers }, worker)).then(() => undefined);
  return {
    acknowledged,
    get attempts() {
      return attempts;
    },
    statuses,
    done,
    async stop() {
      stopping.abort();
      await done;
    },
  };
}
