import type pg from 'pg';
import type { Logger } from '@ferry/sdk';
import { connect, type ConnectOptions } from './connection.js';

const MAX_RECONNECT_MS = 30_000;

/**
 * A connection that LISTENs on the outbox's channel and calls `wake` at every
 * notification, and once more after each (re)connection, since notifications sent while
 * it was away are lost. It reconnects with backoff until `close`; meanwhile the receiver
 * polls, so a lost listener only costs latency.
 */
export class OutboxListener {
  readonly #options: Omit<ConnectOptions, 'onBroken'>;
  readonly #channel: string;
  readonly #wake: () => void;
  readonly #logger: Logger;
  readonly #onReconnect: () => void;
  #client: pg.Client | undefined;
  #closed = false;
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: Omit<ConnectOptions, 'onBroken'>, channel: string, hooks: { wake: () => void; logger: Logger; onReconnect: () => void }) {
    this.#options = options;
    this.#channel = channel;
    this.#wake = hooks.wake;
    this.#logger = hooks.logger;
    this.#onReconnect = hooks.onReconnect;
  }

  start(): void {
    void this.#open();
  }

  async #open(): Promise<void> {
    if (this.#closed) return;
    let client: pg.Client | undefined;
    try {
      client = await connect({ ...this.#options, onBroken: (error) => this.#lost(client, error) });
      client.on('notification', () => this.#wake());
      client.on('end', () => this.#lost(client, new Error('the connection ended')));
      await client.query(`LISTEN "${this.#channel.replaceAll('"', '""')}"`);
      if (this.#closed) {
        await client.end().catch(() => undefined);
        return;
      }
      this.#client = client;
      if (this.#failures > 0) this.#logger.info('listening for outbox notifications again', { channel: this.#channel });
      this.#failures = 0;
      this.#wake();
    } catch (error) {
      await client?.end().catch(() => undefined);
      this.#lost(client, error as Error);
    }
  }

  #lost(client: pg.Client | undefined, error: Error): void {
    if (this.#closed || (client !== undefined && this.#client !== undefined && client !== this.#client)) return;
    if (this.#timer !== undefined) return; // a reconnection is already planned
    this.#client = undefined;
    this.#failures++;
    this.#onReconnect();
    const delay = Math.min(MAX_RECONNECT_MS, 250 * 2 ** Math.min(this.#failures, 7));
    if (this.#failures === 1 || this.#failures % 10 === 0) {
      this.#logger.warn('outbox notifications unavailable; reading by polling until the listener reconnects', { channel: this.#channel, error: error.message, retryInMs: delay });
    }
    client?.end().catch(() => undefined);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#open();
    }, delay);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }
}
