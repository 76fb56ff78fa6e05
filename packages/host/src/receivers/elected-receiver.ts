import { performance } from 'node:perf_hooks';
import { ConfigError, ShutdownError, type EventConsumer, type Logger, type Receiver } from '@ferry/sdk';
import type { ElectionTimings } from './leader-schema.js';

/** A lease on a single-reader source (broker-neutral; the NATS KV one is `NatsKvLease`). */
export interface Lease {
  /** Who this instance is, as written into the lease. */
  readonly holder: string;
  /** Where the lease lives, for log lines (no credentials). */
  readonly where: string;
  /** Takes it if nobody holds it: its revision, or undefined when another holder has it. Throws when the store cannot answer. */
  acquire(): Promise<number | undefined>;
  /** Extends it: the new revision, or undefined when it is no longer ours. Throws when the store cannot answer. */
  renew(revision: number): Promise<number | undefined>;
  /** Gives it up at once (best effort: it expires anyway). */
  release(revision: number): Promise<void>;
  currentHolder(): Promise<string | undefined>;
  close(): Promise<void>;
}

export interface ElectedReceiverOptions {
  /** The receiver's config path (`receivers.grantex`). */
  readonly path: string;
  readonly timings: ElectionTimings;
  readonly lease: Lease;
  /** Makes a fresh receiver (each term of leadership runs a new one: a component starts once). */
  readonly create: (next: EventConsumer) => Receiver;
  /** Where the receiver's events go. */
  readonly next: EventConsumer;
  readonly logger: Logger;
  readonly reportError: (error: Error) => void;
  /** Called with `leader` or `standby` at each change, for status. */
  readonly onRole?: (role: 'leader' | 'standby') => void;
}

/** A monotonic clock: it keeps counting while the process is paused (SIGSTOP), unlike timers. */
const now = (): number => performance.now();

/**
 * Runs a receiver on one instance at a time. The instances campaign for a lease; the one
 * holding it runs the receiver, renews every `renewMs`, and stops the receiver once it has
 * not renewed for `renewDeadlineMs` — before the lease (`leaseMs` from its last renewal) can
 * expire and a standby take it. Time is measured from when each renewal was *sent*, since
 * the lease's TTL counts from when the store wrote it, which is later.
 *
 * Events the receiver hands in pass a gate that is shut from that deadline on, checked
 * against the monotonic clock at each call: a leader paused past its lease (SIGSTOP, a long
 * GC, a VM freeze) whose sockets deliver what they buffered on resuming cannot hand it in,
 * even before its timers have run to stop it.
 */
export class ElectedReceiver implements Receiver {
  readonly #options: ElectedReceiverOptions;
  readonly #stop = new AbortController();
  #campaign: Promise<void> | undefined;
  #receiver: Receiver | undefined;
  #revision: number | undefined;
  /** Monotonic time from which this instance no longer counts as leader. */
  #deadline = 0;
  #watchdog: NodeJS.Timeout | undefined;
  /** Counts terms of leadership, so an answer that arrives after a step-down is not taken for a renewal. */
  #term = 0;
  #wake: (() => void) | undefined;

  constructor(options: ElectedReceiverOptions) {
    this.#options = options;
  }

  /** True while this instance holds the lease and is within its renew deadline. */
  get leading(): boolean {
    return this.#revision !== undefined && now() < this.#deadline;
  }

  /** Returns at once; the campaign runs in the background until shutdown. */
  async start(): Promise<void> {
    this.#options.logger.info('campaigning for the lease; the receiver runs only on the leader', { lease: this.#options.lease.where, holder: this.#options.lease.holder, leaseMs: this.#options.timings.leaseMs });
    this.#campaign = this.#run();
  }

  /** Stops the receiver if this instance leads, then gives the lease up so a standby takes over at once. */
  async shutdown(): Promise<void> {
    if (this.#stop.signal.aborted) return;
    this.#stop.abort();
    this.#wake?.();
    await this.#campaign;
    await this.#stepDown('shutting down', true);
    await this.#options.lease.close();
  }

  /** The gate every event of the receiver passes. */
  readonly #gated: EventConsumer = {
    consume: (events, options) => {
      if (!this.leading) return Promise.reject(new ShutdownError(`${this.#options.path}: not the leader (any more): this instance no longer holds the lease`));
      return this.#options.next.consume(events, options);
    },
  };

  async #run(): Promise<void> {
    const { timings, logger } = this.#options;
    let failures = 0;
    while (!this.#stop.signal.aborted) {
      const sent = now();
      try {
        if (this.#revision === undefined) await this.#tryAcquire(sent);
        else await this.#renew(sent);
        failures = 0;
      } catch (error) {
        if (error instanceof ConfigError) {
          this.#options.reportError(error);
          await this.#stepDown('the lease cannot be used', false);
        } else if (failures++ === 0 || failures % 10 === 0) {
          logger.warn(this.#revision === undefined ? 'cannot reach the lease; staying standby' : 'cannot renew the lease; the receiver stops if this lasts past the renew deadline', { lease: this.#options.lease.where, error: (error as Error).message, failures });
        }
      }
      const interval = this.#revision === undefined ? timings.retryMs : timings.renewMs;
      // After a failed renewal, try again sooner: the deadline is near.
      await this.#sleep(failures > 0 && this.#revision !== undefined ? Math.min(interval, Math.max(100, Math.floor(timings.renewMs / 3))) : interval);
    }
  }

  async #tryAcquire(sent: number): Promise<void> {
    const revision = await this.#options.lease.acquire();
    if (revision === undefined || this.#stop.signal.aborted) {
      if (revision !== undefined) await this.#options.lease.release(revision).catch(() => undefined);
      return;
    }
    this.#revision = revision;
    this.#extend(sent);
    if (!this.leading) return; // the answer came too late to lead on it
    this.#options.logger.info('leader: this instance holds the lease and runs the receiver', { lease: this.#options.lease.where, holder: this.#options.lease.holder });
    this.#options.onRole?.('leader');
    const receiver = this.#options.create(this.#gated);
    this.#receiver = receiver;
    try {
      await receiver.start?.();
    } catch (error) {
      this.#options.reportError(error instanceof Error ? error : new Error(String(error)));
      await this.#stepDown('the receiver failed to start', true);
    }
  }

  async #renew(sent: number): Promise<void> {
    const term = this.#term;
    const revision = await this.#options.lease.renew(this.#revision as number);
    if (term !== this.#term) {
      // Stepped down while the renewal was out (its deadline passed): give back what it won, and campaign again.
      if (revision !== undefined) await this.#options.lease.release(revision).catch(() => undefined);
      return;
    }
    if (revision === undefined) {
      const holder = await this.#options.lease.currentHolder();
      await this.#stepDown(`the lease was taken${holder ? ` by ${holder}` : ''}`, false);
      return;
    }
    this.#revision = revision;
    this.#extend(sent);
  }

  /** A renewal sent at `sent` went through: lead until `sent + renewDeadlineMs`, and stop the receiver then unless renewed again. */
  #extend(sent: number): void {
    this.#deadline = sent + this.#options.timings.renewDeadlineMs;
    clearTimeout(this.#watchdog);
    const left = this.#deadline - now();
    if (left <= 0) {
      void this.#stepDown('the lease was not renewed before its deadline', false);
      return;
    }
    this.#watchdog = setTimeout(() => void this.#stepDown('the lease was not renewed before its deadline', false), left);
  }

  /** Stops the receiver (if any) and forgets the lease; `release` also gives it up in the store. */
  async #stepDown(why: string, release: boolean): Promise<void> {
    clearTimeout(this.#watchdog);
    this.#term++;
    const revision = this.#revision;
    const receiver = this.#receiver;
    this.#revision = undefined;
    this.#deadline = 0;
    this.#receiver = undefined;
    if (receiver !== undefined) {
      this.#options.logger.warn(`standby: stopping the receiver (${why})`, { lease: this.#options.lease.where });
      await receiver.shutdown?.().catch((error: unknown) => this.#options.logger.error('the receiver failed to shut down cleanly', { error: (error as Error).message }));
      this.#options.onRole?.('standby');
    }
    if (release && revision !== undefined) await this.#options.lease.release(revision).catch(() => undefined);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
      if (this.#stop.signal.aborted) done();
    });
  }
}
