import type { FerryEvent } from '@ferry/sdk';

/**
 * An application posting events in NDJSON batches to Ferry's `webhook` receiver in
 * `generic` mode, as fast as Ferry acknowledges them, each batch retried until it gets a
 * 2xx. A 2xx means "on disk" with storage, so `acknowledged` is exactly what Ferry
 * promised to deliver: the oracle for a `kill -9` (unlike SSE, where what was written to
 * the socket but not yet read is simply lost).
 */
export interface NdjsonPosting {
  /** Events of batches answered 2xx, in the order of the answers. */
  readonly acknowledged: readonly FerryEvent[];
  /** Requests made, retries included; and those that got no 2xx (refused, reset, no answer). */
  readonly attempts: number;
  readonly failures: number;
  /** Resolves when every batch is acknowledged. */
  readonly done: Promise<void>;
  /** Starts no new attempt; resolves once the attempts in flight end. */
  stop(): Promise<void>;
}

export interface NdjsonPostingOptions {
  readonly url: string;
  readonly token: string;
  readonly events: readonly FerryEvent[];
  readonly batchSize: number;
  /** Batches in flight at once. */
  readonly concurrency: number;
  /** Wait between attempts of one batch (ms), doubling up to 8 times this. */
  readonly retryMs?: number;
  readonly requestTimeoutMs?: number;
}

export function postNdjson(options: NdjsonPostingOptions): NdjsonPosting {
  const acknowledged: FerryEvent[] = [];
  const stopping = new AbortController();
  const retryMs = options.retryMs ?? 50;
  let attempts = 0;
  let failures = 0;
  let next = 0;

  async function send(body: string): Promise<boolean> {
    attempts++;
    try {
      const response = await fetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${options.token}` },
        body,
        signal: AbortSignal.timeout(options.requestTimeoutMs ?? 15_000),
      });
      await response.body?.cancel();
      return response.ok;
    } catch {
      // Refused, reset or timed out: Ferry may or may not have the batch; only a 2xx promises it.
      return false;
    }
  }

  async function worker(): Promise<void> {
    while (!stopping.signal.aborted && next * options.batchSize < options.events.length) {
      const from = next++ * options.batchSize;
      const batch = options.events.slice(from, from + options.batchSize);
      const body = `${batch.map((event) => JSON.stringify(event)).join('\n')}\n`;
      for (let failed = 0; !stopping.signal.aborted; failed++) {
        if (await send(body)) {
          acknowledged.push(...batch);
          break;
        }
        failures++;
        await new Promise((resolve) => setTimeout(resolve, retryMs * 2 ** Math.min(failed, 3)));
      }
    }
  }

  const done = Promise.all(Array.from({ length: options.concurrency }, worker)).then(() => undefined);
  return {
    acknowledged,
    get attempts() {
      return attempts;
    },
    get failures() {
      return failures;
    },
    done,
    async stop() {
      stopping.abort();
      await done;
    },
  };
}
