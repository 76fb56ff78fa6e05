import type { Consumer, ConsumerMessages, JsMsg, NatsConnection } from 'nats';
import { ConfigError, decodeEvent, type FerryEvent, type Receiver, type ReceiverContext } from '@ferry/sdk';
import { closeConnection, connectNats, describeNatsError, describeServers } from '@ferry/nats';
import type { NatsReceiverConfig } from './config.js';
import { ackWaitOf, bindConsumer } from './consumer.js';
import { HeldMessages } from './holder.js';

/** How long shutdown waits for a batch being accepted, so it can be acknowledged. */
const DRAIN_MS = 5_000;
const MAX_BACKOFF_MS = 30_000;

function isNamed(error: unknown, name: string): boolean {
  // The host may use another copy of the SDK, so instanceof is not enough.
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === name;
}

/** `+TERM <reason>` is understood from nats-server 2.10.4; an older server takes it for something else and redelivers. */
function termTakesReason(version: string | undefined): boolean {
  const [major = 0, minor = 0, patch = 0] = (version ?? '0').split('.').map((n) => Number.parseInt(n, 10) || 0);
  return major > 2 || (major === 2 && (minor > 10 || (minor === 10 && patch >= 4)));
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a JetStream durable pull consumer at least once: fetches in batches, hands the events
 * to the pipeline, and acknowledges each message only once the pipeline has accepted its
 * event (on disk, with storage). A message that holds no event is dead-lettered with its raw
 * bytes, then terminated. Several instances on one consumer share the messages.
 */
export class NatsReceiver implements Receiver {
  readonly #ctx: ReceiverContext<NatsReceiverConfig>;
  readonly #servers: string;
  readonly #stop = new AbortController();
  #connection: NatsConnection | undefined;
  #consumer: Consumer | undefined;
  #ackWaitMs = 30_000;
  #fetch: ConsumerMessages | undefined;
  #held: HeldMessages | undefined;
  #loop: Promise<void> | undefined;
  #failures = 0;
  #wakeIdle: (() => void) | undefined;

  constructor(ctx: ReceiverContext<NatsReceiverConfig>) {
    this.#ctx = ctx;
    this.#servers = describeServers(ctx.config.servers);
  }

  get #path(): string {
    return `receivers.${this.#ctx.id}`;
  }

  /** Binds the consumer (a ConfigError stops the collector); an unreachable server only warns, and reading starts once it answers. */
  async start(): Promise<void> {
    try {
      await this.#bind();
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      this.#ctx.logger.warn('NATS is not reachable at start; reading once it is', { servers: this.#servers, error: describeNatsError(error) });
    }
    this.#loop = this.#run();
  }

  async shutdown(): Promise<void> {
    if (this.#stop.signal.aborted) return;
    this.#stop.abort();
    this.#fetch?.stop();
    this.#held?.finish();
    this.#wakeIdle?.();
    if (this.#loop !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.#loop, new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_MS)))]);
      clearTimeout(timer);
    }
    const connection = this.#connection;
    this.#connection = undefined;
    // Acks and naks are written before the connection closes (bounded: the server may be away).
    if (connection !== undefined) await closeConnection(connection);
  }

  async #bind(): Promise<Consumer> {
    if (this.#consumer !== undefined) return this.#consumer;
    const { config, logger } = this.#ctx;
    this.#connection ??= await connectNats(config, { path: this.#path, name: `ferry receiver ${this.#ctx.id}` });
    const connection = this.#connection;
    const jsm = await connection.jetstreamManager();
    const { info, action } = await bindConsumer(jsm, config, { path: this.#path, servers: this.#servers });
    this.#ackWaitMs = ackWaitOf(info);
    this.#consumer = await connection.jetstream().consumers.get(config.stream, config.consumer);
    logger.info('reading the JetStream consumer', { servers: this.#servers, stream: config.stream, consumer: config.consumer, consumer_action: action, ackWaitMs: this.#ackWaitMs, maxAckPending: info.config.max_ack_pending, pending: info.num_pending });
    return this.#consumer;
  }

  async #run(): Promise<void> {
    while (!this.#stop.signal.aborted) {
      try {
        const consumer = await this.#bind();
        if (this.#failures > 0) this.#ctx.logger.info('reading the consumer again', { afterFailures: this.#failures });
        this.#failures = 0;
        await this.#read(consumer);
      } catch (error) {
        if (this.#stop.signal.aborted) return;
        if (error instanceof ConfigError) {
          this.#ctx.reportError(error);
        }
        this.#failures++;
        // The consumer may have been removed or the connection replaced: bind afresh.
        this.#consumer = undefined;
        const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(this.#failures, 9));
        if (this.#failures === 1 || this.#failures % 10 === 0) {
          this.#ctx.logger.warn('reading the JetStream consumer failed; its messages stay and are read again', { servers: this.#servers, error: describeNatsError(error), failures: this.#failures, retryInMs: delay });
        }
        await this.#idle(delay);
      }
    }
  }

  /** Fetches while the pipeline takes what was fetched: two loops over one set of held messages. */
  async #read(consumer: Consumer): Promise<void> {
    const { batchSize, fetchExpiresMs } = this.#ctx.config;
    this.#held?.close();
    const held = new HeldMessages(this.#ackWaitMs);
    this.#held = held;
    const handing = this.#hand(held);
    try {
      while (!this.#stop.signal.aborted) {
        // At most two batches held: one being accepted, one waiting.
        await held.waitForRoom(batchSize);
        if (this.#stop.signal.aborted) break;
        const fetch = await consumer.fetch({ max_messages: batchSize, expires: fetchExpiresMs });
        this.#fetch = fetch;
        for await (const message of fetch) held.push(message);
      }
    } finally {
      // A stop or a failure: the batch being accepted finishes (and is acknowledged); what waits is handed back.
      held.finish();
      await handing;
      held.handBackQueued();
      held.close();
    }
  }

  /** Hands queued messages to the pipeline, a batch at a time, until stopped. */
  async #hand(held: HeldMessages): Promise<void> {
    while (!held.finished) {
      await held.waitForQueued();
      const messages = held.take(this.#ctx.config.batchSize);
      if (messages.length > 0) await this.#accept(messages, held);
    }
  }

  async #accept(messages: readonly JsMsg[], held: HeldMessages): Promise<void> {
    const { telemetry } = this.#ctx;
    const events: FerryEvent[] = [];
    const carrying: JsMsg[] = [];
    let redelivered = 0;
    for (const message of messages) {
      if (message.info.redelivered) redelivered++;
      const decoded = this.#decode(message);
      if (decoded.ok) {
        events.push(decoded.event);
        carrying.push(message);
      } else {
        await this.#deadLetter(message, decoded.problem);
        held.release([message]);
      }
    }
    if (redelivered > 0) telemetry.count('redelivered', redelivered);
    if (events.length === 0) return;
    try {
      await this.#ctx.next.consume(events);
    } catch (error) {
      // Nothing of the call was accepted: hand the messages back for redelivery, never ack them.
      for (const m of carrying) m.nak();
      held.release(carrying);
      if (isNamed(error, 'ShutdownError')) return;
      this.#ctx.logger.warn('the pipeline refused a batch; its messages were handed back for redelivery', { messages: carrying.length, error: (error as Error).message });
      return;
    }
    for (const m of carrying) m.ack();
    held.release(carrying);
  }

  #decode(message: JsMsg): { ok: true; event: FerryEvent } | { ok: false; problem: string } {
    let text: string;
    try {
      text = decoder.decode(message.data);
    } catch {
      return { ok: false, problem: 'not UTF-8 text' };
    }
    const decoded = decodeEvent(text);
    return decoded.ok ? decoded : { ok: false, problem: `not a Ferry event: ${decoded.problem}` };
  }

  /** Keeps the message's bytes first, then terminates it: a crash in between redelivers it (kept twice), never loses it. */
  async #deadLetter(message: JsMsg, problem: string): Promise<void> {
    const { config, telemetry, logger } = this.#ctx;
    await this.#ctx.deadLetter({
      bytes: message.data,
      reason: problem,
      source: { servers: this.#servers, stream: config.stream, consumer: config.consumer, subject: message.subject, streamSeq: message.seq, deliveries: message.info.redeliveryCount },
    });
    if (termTakesReason(this.#connection?.info?.version)) message.term(problem.slice(0, 200));
    else message.term();
    telemetry.count('malformed');
    logger.error('a message holds no event: dead-lettered with its bytes and terminated (never redelivered)', { subject: message.subject, streamSeq: message.seq, problem });
  }

  #idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakeIdle = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wakeIdle = done;
      if (this.#stop.signal.aborted) done();
    });
  }
}
