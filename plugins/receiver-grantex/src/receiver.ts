import { ConfigError, decodeEvent, sample, ShutdownError, type FerryEvent, type ReceiverContext } from '@ferry/sdk';
import type { GrantexConfig } from './config.js';
import { reconnectDelay, retryAfterMs } from './backoff.js';
import { RecentIds } from './recent-ids.js';
import { SseDecoder } from './stream.js';

type Outcome = { readonly kind: 'retry'; readonly reason: string; readonly floorMs?: number; readonly healthy: boolean } | { readonly kind: 'stop' };

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
 * reconnects after drops, stalls, 429 and 5xx with capped, jittered backoff.
 */
export class GrantexReceiver {
  readonly #ctx: ReceiverContext<GrantexConfig>;
  readonly #stop = new AbortController();
  readonly #recent: RecentIds;
  #loop: Promise<void> | undefined;
  #lastEventId: string | undefined;
  #retryFloorMs = 0;
  #malformedSince = 0;
  #malformedLoggedAt = 0;

  constructor(ctx: ReceiverContext<GrantexConfig>) {
    this.#ctx = ctx;
    this.#recent = new RecentIds(ctx.config.dedupWindow);
  }

  async start(): Promise<void> {
    this.#loop ??= this.#run();
  }

  async shutdown(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const { logger, config } = this.#ctx;
    const signal = this.#stop.signal;
    for (let attempt = 1; !signal.aborted; ) {
      const outcome = await this.#connectOnce().catch((error: unknown): Outcome => ({ kind: 'retry', reason: (error as Error).message, healthy: false }));
      if (outcome.kind === 'stop' || signal.aborted) return;
      attempt = outcome.healthy ? 1 : attempt + 1;
      const delay = reconnectDelay(attempt, config.reconnect.initialDelayMs, config.reconnect.maxDelayMs, Math.max(outcome.floorMs ?? 0, this.#retryFloorMs));
      this.#ctx.telemetry.count('reconnects');
      logger.info(`reconnecting in ${delay} ms: ${outcome.reason}`);
      await sleep(delay, signal);
    }
  }

  async #connectOnce(): Promise<Outcome> {
    const { config, logger } = this.#ctx;
    const attempt = new AbortController();
    const abort = () => attempt.abort();
    this.#stop.signal.addEventListener('abort', abort, { once: true });
    let idle: NodeJS.Timeout | undefined;
    const armIdle = (ms: number) => {
      clearTimeout(idle);
      idle = setTimeout(() => attempt.abort(new Error('stalled')), ms);
    };
    try {
      armIdle(config.connectTimeoutMs);
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
      this.#ctx.telemetry.count('connects');
      logger.info('connected to the Grantex event stream', { url: streamUrl(config) });
      if (response.body === null) return { kind: 'retry', reason: 'the stream had no body', healthy: false };
      armIdle(config.idleTimeoutMs);
      const decoder = new SseDecoder(config.maxEventBytes);
      let received = false;
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return { kind: 'retry', reason: 'the stream ended', healthy: received };
        armIdle(config.idleTimeoutMs);
        received = true;
        const { messages, oversized } = decoder.feed(value);
        if (oversized) this.#malformed(`an event larger than maxEventBytes (${config.maxEventBytes})`, '');
        if (decoder.retryMs !== undefined) this.#retryFloorMs = decoder.retryMs;
        if (decoder.lastEventId !== undefined) this.#lastEventId = decoder.lastEventId;
        const events = this.#decode(messages);
        // Wait for the pipeline before reading on: a full pipeline pushes back on the stream.
        clearTimeout(idle);
        if (events.length > 0) await this.#ctx.next.consume(events);
        armIdle(config.idleTimeoutMs);
      }
    } catch (error) {
      if (this.#stop.signal.aborted || error instanceof ShutdownError) return { kind: 'stop' };
      const reason = attempt.signal.reason instanceof Error && attempt.signal.reason.message === 'stalled' ? 'the stream was silent too long (stalled)' : (error as Error).message;
      return { kind: 'retry', reason, healthy: false };
    } finally {
      clearTimeout(idle);
      this.#stop.signal.removeEventListener('abort', abort);
      attempt.abort();
    }
  }

  async #refused(response: Response): Promise<Outcome> {
    const { config } = this.#ctx;
    await response.body?.cancel();
    const status = response.status;
    if (status === 429 || status === 408 || status >= 500) {
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

  #decode(messages: readonly { data: string }[]): FerryEvent[] {
    const events: FerryEvent[] = [];
    for (const message of messages) {
      // The parser bounds what it buffers across chunks; an event that came whole in one chunk is checked here.
      if (Buffer.byteLength(message.data) > this.#ctx.config.maxEventBytes) {
        this.#malformed(`an event larger than maxEventBytes (${this.#ctx.config.maxEventBytes})`, message.data);
        continue;
      }
      const decoded = decodeEvent(message.data);
      if (!decoded.ok) {
        this.#malformed(decoded.problem, message.data);
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
