import { createHmac } from 'node:crypto';
import type { FerryEvent } from '@ferry/sdk';
import { createEventFactory } from './events.js';

export interface WebhookHeaders {
  readonly 'x-grantex-timestamp': string;
  readonly 'x-grantex-signature-v2': string;
  readonly 'x-grantex-signature': string;
}

/** Grantex's signatures: v2 over `<timestamp>.<body>`, legacy over the body alone. */
export function signWebhook(secret: string, body: string, timestampSeconds: number): WebhookHeaders {
  const hmac = (text: string) => `sha256=${createHmac('sha256', secret).update(text).digest('hex')}`;
  return { 'x-grantex-timestamp': String(timestampSeconds), 'x-grantex-signature-v2': hmac(`${timestampSeconds}.${body}`), 'x-grantex-signature': hmac(body) };
}

export interface WebhookOptions {
  readonly url: string;
  readonly secret: string;
  readonly total: number;
  /** Events per second started; 0 (default): as fast as they are acknowledged. */
  readonly rate?: number;
  readonly concurrency?: number;
  readonly seed?: number;
  readonly types?: readonly string[];
  /** Also send the deprecated body-only `X-Grantex-Signature`. */
  readonly legacySignature?: boolean;
  readonly retry?: { readonly initialDelayMs?: number; readonly maxDelayMs?: number };
  readonly requestTimeoutMs?: number;
  /** The events to deliver instead of generated ones. */
  readonly events?: readonly FerryEvent[];
}

export interface WebhookRun {
  readonly acknowledged: readonly FerryEvent[];
  readonly attempts: number;
  /** Answers by status (0: a network error or timeout). */
  readonly statuses: ReadonlyMap<number, number>;
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Delivers events as Grantex does: one signed POST per event, retried with backoff
 * (honouring Retry-After) until a 2xx acknowledges it.
 */
export function deliverWebhooks(options: WebhookOptions): WebhookRun {
  const factory = createEventFactory({ ...(options.seed === undefined ? {} : { seed: options.seed }), ...(options.types ? { types: options.types } : {}) });
  const acknowledged: FerryEvent[] = [];
  const statuses = new Map<number, number>();
  let attempts = 0;
  let next = 0;
  let stopped = false;
  const started = Date.now();
  const initial = options.retry?.initialDelayMs ?? 200;
  const max = options.retry?.maxDelayMs ?? 5000;

  const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);

  async function deliver(event: FerryEvent): Promise<void> {
    const body = JSON.stringify(event);
    for (let attempt = 1; !stopped; attempt++) {
      attempts++;
      const signed = signWebhook(options.secret, body, Math.floor(Date.now() / 1000));
      let retryAfterMs = 0;
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
          signal: AbortSignal.timeout(options.requestTimeoutMs ?? 10_000),
        });
        await response.body?.cancel();
        count(response.status);
        if (response.ok) {
          acknowledged.push(event);
          return;
        }
        retryAfterMs = Number(response.headers.get('retry-after') ?? 0) * 1000;
      } catch {
        count(0);
      }
      const backoff = Math.min(max, initial * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, Math.max(backoff, retryAfterMs)));
    }
  }

  async function worker(): Promise<void> {
    while (!stopped && next < options.total) {
      const index = next++;
      if (options.rate) {
        const due = started + (index * 1000) / options.rate;
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      }
      await deliver(options.events?.[index] ?? factory.next());
    }
  }

  const done = Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker)).then(() => undefined);
  return {
    acknowledged,
    get attempts() {
      return attempts;
    },
    statuses,
    done,
    async stop() {
      stopped = true;
      await done;
    },
  };
}
