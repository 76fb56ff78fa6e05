import { ConfigError, decodeEvent, sample, ShutdownError, type FerryEvent, type ReceiverContext } from '@ferry/sdk';
import type { GrantexConfig } from './config.js';
import { reconnectDelay, retryAfterMs } from './backoff.js';
import { RecentIds } from './recent-ids.js';
import { SseDecoder } from './stream.js';

type Outcome = { readonly kind: 'retry'; readonly reason: string; readonly floorMs?: number; readonly healthy: boolean } | { readonly kind: 'stop' };

const MALFORMED_LOG_EVERY_MS = 1000;
/** How far the receiver reads ahead of the pipeline before it stops reading (pushes back). */
const READ_AHEAD_BYTES = 1024 * 1024;

/**
 * Hands decoded events to the pipeline one call at a time, in order, while the stream keeps
 * being read; `room()` waits once READ_AHEAD_BYTES are waiting, which stops the reading.
 */
class Handoff {
  readonly #consume: (events: FerryEvent[]) => Promise<void>;
  #events: FerryEvent[] = [];
  #bytes = 0;
  #running: Promise<void> | undefined;
  #failure: unknown;

  constructor(consume: (events: FerryEvent[]) => Promise<void>) {
    this.#consume = consume;
  }

  push(events: FerryEvent[], bytes: number): void {
    if (events.length === 0) return;
    this.#events.push(...events);
    this.#bytes += bytes;
    this.#running ??= this.#pump();
  }

  async #pump(): Promise<void> {
    try {
      while (this.#events.length > 0) {
        const batch = this.#events;
        this.#events = [];
        this.#bytes = 0;
        await this.#consume(batch);
      }
    } catch (error) {
      this.#failure = error;
    } finally {
      this.#running = undefined;
    }
  }

  async room(): Promise<void> {
    while (this.#bytes >= READ_AHEAD_BYTES && this.#running) await this.#running;
    this.#throwFailure();
  }

  async drain(): Promise<void> {
    while (this.#running) await this.#running;
    this.#throwFailure();
  }

  #throwFailure(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }
}

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
    let received = false;
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
      const handoff = new Handoff((events) => this.#ctx.next.consume(events));
      const reader = response.body.getReader();
      try {
        for (;;) {
          // Read on while the pipeline works on what came before, up to a bound: a stream that
          // errors discards what it still buffers, so events are taken out of it promptly.
          await handoff.room();
          armIdle(config.idleTimeoutMs);
          const { done, value } = await reader.read();
          if (done) return { kind: 'retry', reason: 'the stream ended', healthy: received };
          received = true;
          const { messages, oversized } = decoder.feed(value);
          if (oversized) this.#malformed(`an event larger than maxEventBytes (${config.maxEventBytes})`, '');
          if (decoder.retryMs !== undefined) this.#retryFloorMs = decoder.retryMs;
          if (decoder.lastEventId !== undefined) this.#lastEventId = decoder.lastEventId;
          handoff.push(this.#decode(messages), value.byteLength);
          clearTimeout(idle);
        }
      } finally {
        // Whatever was read is handed on before reconnecting (or failing).
        clearTimeout(idle);
        await handoff.drain();
      }
    } catch (error) {
      if (this.#stop.signal.aborted || error instanceof ShutdownError) return { kind: 'stop' };
      const reason = attempt.signal.reason instanceof Error && attempt.signal.reason.message === 'stalled' ? 'the stream was silent too long (stalled)' : (error as Error).message;
      // A stream that delivered data and then dropped was healthy: the backoff starts over.
      return { kind: 'retry', reason, healthy: received };
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
