import { ConfigError, decodeEvent, sample, ShutdownError, type FerryEvent, type ReceiverContext } from '@ferry/sdk';
import { streamTimeouts, type GrantexConfig, type StreamTimeouts } from './config.js';
import { describeNetworkError as describeError, isRetryableStatus, retryAfterMs } from '@ferry/sdk/http';
import { reconnectDelay } from './backoff.js';
import { Gaps, seconds } from './gaps.js';
import { Handoff } from './handoff.js';
import { RecentIds } from './recent-ids.js';
import { SseDecoder } from './stream.js';

/** How a connection ended. `healthy`: Grantex answered and the stream delivered data, so the backoff starts over. */
type Outcome = { readonly kind: 'retry'; readonly reason: string; readonly floorMs?: number; readonly healthy: boolean } | { readonly kind: 'stop' };

/** Ends an attempt that waited longer than the keepalive allows; its message is the reason logged. */
class Silence extends Error {}

const MALFORMED_LOG_EVERY_MS = 1000;

/** The stream URL: `<url>/v1/events/stream[?types=a,b]`. */
export function streamUrl(config: GrantexConfig): string {
  const url = new URL(`${config.url.replace(/\/+$/, '')}/v1/events/stream`);
  if (config.types && config.types.length > 0) url.searchParams.set('types', config.types.join(','));
  return url.toString();
}

/**
 * Reads the Grantex SSE stream, hands each chunk's events to the pipeline and waits for
 * them to be accepted before reading on (so a full pipeline stops the reading), and
 * reconnects after drops, stalls, 429 and 5xx with capped, jittered backoff. Every wait is
 * judged against Grantex's keepalive interval: a quiet stream answers, and then speaks,
 * only that often.
 */
export class GrantexReceiver {
  readonly #ctx: ReceiverContext<GrantexConfig>;
  readonly #stop = new AbortController();
  readonly #recent: RecentIds;
  readonly #gaps: Gaps;
  readonly #timeouts: StreamTimeouts;
  #loop: Promise<void> | undefined;
  #lastEventId: string | undefined;
  #retryFloorMs = 0;
  #malformedSince = 0;
  #malformedLoggedAt = 0;

  constructor(ctx: ReceiverContext<GrantexConfig>) {
    this.#ctx = ctx;
    this.#recent = new RecentIds(ctx.config.dedupWindow);
    this.#gaps = new Gaps(ctx);
    this.#timeouts = streamTimeouts(ctx.config);
  }

  async start(): Promise<void> {
    const { raisedFromMs, idleMs } = this.#timeouts;
    if (raisedFromMs !== undefined) {
      this.#ctx.logger.warn(`receivers.${this.#ctx.id}.idleTimeoutMs (${raisedFromMs} ms) is shorter than a keepalive interval plus connectTimeoutMs: a quiet stream would be taken for stalled between keepalives; using ${idleMs} ms`);
    }
    this.#loop ??= this.#run();
  }

  async shutdown(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const { config } = this.#ctx;
    const signal = this.#stop.signal;
    this.#gaps.starting();
    try {
      for (let attempt = 1; !signal.aborted; ) {
        const outcome = await this.#connectOnce().catch((error: unknown): Outcome => ({ kind: 'retry', reason: describeError(error), healthy: false }));
        if (outcome.kind === 'stop' || signal.aborted) return;
        attempt = outcome.healthy ? 1 : attempt + 1;
        const delay = reconnectDelay(attempt, config.reconnect.initialDelayMs, config.reconnect.maxDelayMs, Math.max(outcome.floorMs ?? 0, this.#retryFloorMs));
        this.#ctx.telemetry.count('reconnects');
        this.#gaps.retrying(outcome.reason, delay, attempt);
        await sleep(delay, signal);
      }
    } finally {
      this.#gaps.stopping();
    }
  }

  async #connectOnce(): Promise<Outcome> {
    const { config } = this.#ctx;
    const { answerMs, idleMs } = this.#timeouts;
    const attempt = new AbortController();
    const abort = () => attempt.abort();
    this.#stop.signal.addEventListener('abort', abort, { once: true });
    const startedAt = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const giveUpAfter = (ms: number, why: string) => {
      clearTimeout(timer);
      timer = setTimeout(() => attempt.abort(new Silence(why)), ms);
    };
    let received = false;
    try {
      // Grantex writes its 200 only with the first event or keepalive: on a quiet stream that
      // is a keepalive interval after it subscribed Ferry, which is normal, not a stall.
      giveUpAfter(answerMs, `no answer within ${seconds(answerMs)}, a keepalive interval plus connectTimeoutMs`);
      const response = await fetch(streamUrl(config), {
        headers: {
          authorization: `Bearer ${config.apiKey}`,
          accept: 'text/event-stream',
          'cache-control': 'no-cache',
          ...(this.#lastEventId === undefined ? {} : { 'last-event-id': this.#lastEventId }),
        },
        signal: attempt.signal,
      });
      if (!response.ok) return await this.#refused(response);
      if (response.body === null) return { kind: 'retry', reason: 'the stream had no body', healthy: false };
      this.#ctx.telemetry.count('connects');
      this.#gaps.subscribed(startedAt, streamUrl(config));
      this.#recent.reconnected();
      const decoder = new SseDecoder(config.maxEventBytes);
      const handoff = new Handoff((texts) => this.#decode(texts), (events) => this.#ctx.next.consume(events));
      const reader = response.body.getReader();
      try {
        for (;;) {
          // Read on while the pipeline works on what came before, up to a bound: a stream that
          // errors discards what it still buffers, so events are taken out of it promptly.
          await handoff.room();
          giveUpAfter(idleMs, `no event or keepalive for ${seconds(idleMs)} (stalled)`);
          const { done, value } = await reader.read();
          clearTimeout(timer);
          if (done) return { kind: 'retry', reason: 'Grantex ended the stream', healthy: received };
          received = true;
          const { messages, oversized } = decoder.feed(value);
          if (oversized) this.#malformed(`an event larger than maxEventBytes (${config.maxEventBytes})`, '');
          if (decoder.retryMs !== undefined) this.#retryFloorMs = decoder.retryMs;
          if (decoder.lastEventId !== undefined) this.#lastEventId = decoder.lastEventId;
          handoff.push(messages.map(dataOf), value.byteLength);
        }
      } finally {
        clearTimeout(timer);
        // Not subscribed from here on; whatever was read is handed on before reconnecting (or failing).
        if (!this.#stop.signal.aborted) this.#gaps.lost();
        await handoff.drain();
      }
    } catch (error) {
      if (this.#stop.signal.aborted || error instanceof ShutdownError) return { kind: 'stop' };
      const reason = attempt.signal.reason instanceof Silence ? attempt.signal.reason.message : describeError(error);
      // A stream that delivered data and then dropped was healthy: the backoff starts over.
      return { kind: 'retry', reason, healthy: received };
    } finally {
      clearTimeout(timer);
      this.#stop.signal.removeEventListener('abort', abort);
      attempt.abort();
    }
  }

  async #refused(response: Response): Promise<Outcome> {
    const { config } = this.#ctx;
    await response.body?.cancel();
    const status = response.status;
    if (isRetryableStatus(status)) {
      const wait = retryAfterMs(response.headers.get('retry-after'));
      return { kind: 'retry', reason: `Grantex answered ${status}`, healthy: false, ...(wait === undefined ? {} : { floorMs: wait }) };
    }
    const url = streamUrl(config);
    const message =
      status === 401 || status === 403
        ? `Grantex refused the API key (${status}) at ${url}: check receivers.${this.#ctx.id}.apiKey`
        : `Grantex answered ${status} at ${url}: check receivers.${this.#ctx.id}.url`;
    this.#ctx.reportError(new ConfigError(message));
    return { kind: 'stop' };
  }

  /** Decodes the events of one hand-over (see Handoff): checked, and replays of a reconnect dropped. */
  #decode(texts: readonly string[]): FerryEvent[] {
    const events: FerryEvent[] = [];
    for (const data of texts) {
      // The parser bounds what it buffers across chunks; an event that came whole in one chunk is checked here.
      // A UTF-16 unit is at most 3 bytes of UTF-8, so only a long text needs measuring (1% of the hot path).
      const max = this.#ctx.config.maxEventBytes;
      if (data.length * 3 > max && Buffer.byteLength(data) > max) {
        this.#malformed(`an event larger than maxEventBytes (${this.#ctx.config.maxEventBytes})`, data);
        continue;
      }
      const decoded = decodeEvent(data);
      if (!decoded.ok) {
        this.#malformed(decoded.problem, data);
        continue;
      }
      if (this.#recent.add(decoded.event.id)) events.push(decoded.event);
      else this.#ctx.telemetry.count('replayed');
    }
    return events;
  }

  #malformed(problem: string, data: string): void {
    this.#ctx.telemetry.count('malformed');
    this.#malformedSince++;
    const now = Date.now();
    if (now - this.#malformedLoggedAt < MALFORMED_LOG_EVERY_MS) return;
    this.#ctx.logger.warn('malformed event skipped', { problem, sample: sample(data), ...(this.#malformedSince > 1 ? { since_last_log: this.#malformedSince } : {}) });
    this.#malformedLoggedAt = now;
    this.#malformedSince = 0;
  }
}

function dataOf(message: { readonly data: string }): string {
  return message.data;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
