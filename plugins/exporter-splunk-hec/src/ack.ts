import { RetryableError, type Logger } from '@ferry/sdk';
import { describeNetworkError } from '@ferry/sdk/http';

export interface AckTarget {
  /** `<base>/services/collector/ack?channel=<channel>` */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly destination: string;
}

interface Waiter {
  readonly deadline: number;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * HEC indexer acknowledgement: each accepted request gets an ack id on the channel, and a
 * batch is delivered once `/services/collector/ack` reports its id as indexed. One poller
 * per exporter asks for every pending id in one request per interval (Splunk's advice: few,
 * batched queries), however many batches are in flight. A query that fails is asked again
 * at the next tick; an id still not indexed at its deadline fails its batch as retryable,
 * so it is sent again (at-least-once: Splunk may then hold it twice).
 */
export class AckPoller {
  readonly #target: AckTarget;
  readonly #logger: Logger;
  readonly #pending = new Map<number, Waiter>();
  #timer: NodeJS.Timeout | undefined;
  #polling = false;

  constructor(target: AckTarget, logger: Logger) {
    this.#target = target;
    this.#logger = logger;
  }

  /** Resolves once `ackId` is indexed; rejects with a RetryableError at the deadline or when `signal` aborts. */
  wait(ackId: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => settle(new RetryableError(`${this.#target.destination}: the attempt was aborted while waiting for ack ${ackId} (timed out or the collector is stopping)`));
      const settle = (error?: Error) => {
        signal.removeEventListener('abort', onAbort);
        this.#pending.delete(ackId);
        if (error) reject(error);
        else resolve();
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(ackId, { deadline: Date.now() + this.#target.timeoutMs, resolve: () => settle(), reject: (error) => settle(error) });
      this.#schedule();
    });
  }

  /** Fails whatever still waits (the exporter is stopping). */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const [id, waiter] of this.#pending) waiter.reject(new RetryableError(`${this.#target.destination}: stopped before ack ${id} was indexed`));
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#polling || this.#pending.size === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#poll();
    }, this.#target.intervalMs);
  }

  async #poll(): Promise<void> {
    this.#polling = true;
    const ids = [...this.#pending.keys()];
    try {
      const response = await fetch(this.#target.url, {
        method: 'POST',
        headers: { ...this.#target.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ acks: ids }),
        signal: AbortSignal.timeout(this.#target.requestTimeoutMs),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`answered ${response.status}: ${text.slice(0, 200)}`);
      const acks = (JSON.parse(text) as { acks?: Record<string, unknown> }).acks ?? {};
      for (const id of ids) if (acks[String(id)] === true) this.#pending.get(id)?.resolve();
    } catch (error) {
      this.#logger.debug('acknowledgement query failed; asking again at the next interval', { error: describeNetworkError(error) });
    } finally {
      this.#polling = false;
    }
    const now = Date.now();
    for (const [id, waiter] of this.#pending) {
      if (waiter.deadline <= now) {
        waiter.reject(new RetryableError(`${this.#target.destination} did not acknowledge ack ${id} as indexed within ${this.#target.timeoutMs} ms (ackTimeoutMs); sending the events again`));
      }
    }
    this.#schedule();
  }
}
