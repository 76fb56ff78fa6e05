import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { KV, NatsConnection } from 'nats';
import { ConfigError } from '@ferry/sdk';
import { connectNats, describeServers } from './connect.js';
import { apiErrorCode, describeNatsError, JS_ERR } from './errors.js';
import type { NatsConnectionOptions } from './options.js';

export interface NatsLeaseOptions {
  readonly nats: NatsConnectionOptions;
  /** The KV bucket leases live in; made at first use with a TTL of `leaseMs`. */
  readonly bucket: string;
  /** The key of this lease in the bucket (one per single-reader source). */
  readonly key: string;
  readonly leaseMs: number;
  /** Replicas of the bucket when Ferry makes it. */
  readonly replicas: number;
  /** The config path of these options, for errors (`receivers.grantex.leaderElection`). */
  readonly path: string;
  /** Shown to the server's monitoring. */
  readonly connectionName: string;
  /** This holder's identity; default: host, pid and a random part. */
  readonly holder?: string;
  /** How long one KV request may take (ms); default 5000. */
  readonly requestTimeoutMs?: number;
}

/** What a holder writes into the lease: who, for operators reading the bucket. */
interface Holder {
  readonly holder: string;
  readonly host: string;
  readonly pid: number;
  readonly since: string;
}

/** An identity for a holder: host, pid and a random part (a restarted process is someone else). */
export function leaseHolderId(): string {
  return `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
}

const KEY_PATTERN = /^[-/_=.a-zA-Z0-9]+$/;

/** A lease key for a component id: KV keys allow letters, digits and `-/_=.`. */
export function leaseKey(id: string): string {
  const key = id.replace(/[^-/_=.a-zA-Z0-9]/g, '_');
  return KEY_PATTERN.test(key) ? key : 'receiver';
}

/**
 * A lease in a NATS KV bucket whose TTL is the lease's length: taken by creating the key
 * (create-if-absent), renewed by updating it at the revision last written (compare-and-set),
 * and lost to anyone else only once the bucket's TTL has removed it or its holder gave it
 * up (a delete, also at its revision). Every put is a new message, so the TTL counts from
 * the last renewal.
 *
 * A write whose answer was lost (a timeout) may still have been applied: the next
 * compare-and-set then fails although the lease is ours. Each holder writes a value of its
 * own (`holder`), so such a failure is told apart from a takeover by reading the key, and the
 * write is made again at the revision found.
 */
export class NatsKvLease {
  readonly leaseMs: number;
  /** This holder's identity: host, pid and a random part (a restarted process is someone else). */
  readonly holder: string;
  readonly #options: NatsLeaseOptions;
  #connection: NatsConnection | undefined;
  #kv: KV | undefined;
  #since = new Date().toISOString();

  constructor(options: NatsLeaseOptions) {
    this.#options = options;
    this.leaseMs = options.leaseMs;
    this.holder = options.holder ?? leaseHolderId();
  }

  /** Where the lease lives, for log lines (no credentials). */
  get where(): string {
    return `${describeServers(this.#options.nats.servers)} bucket ${this.#options.bucket} key ${this.#options.key}`;
  }

  /** Connects and opens (or makes) the bucket; a bucket whose TTL is not `leaseMs` is a ConfigError. */
  async open(): Promise<void> {
    if (this.#kv !== undefined) return;
    const { bucket, leaseMs, replicas, path } = this.#options;
    this.#connection ??= await connectNats(this.#options.nats, { path: `${path}.nats`, name: this.#options.connectionName });
    const js = this.#connection.jetstream({ timeout: this.#options.requestTimeoutMs ?? 5000 });
    const kv = await js.views.kv(bucket, { ttl: leaseMs, history: 1, replicas });
    const ttl = (await kv.status()).ttl;
    if (ttl !== leaseMs) {
      throw new ConfigError(
        `${path}.leaseMs: the bucket "${bucket}" expires entries after ${ttl} ms, not ${leaseMs}: a lease lasts as long as the bucket's TTL, so every instance must agree on it. Use another bucket, or set leaseMs to ${ttl}`,
      );
    }
    this.#kv = kv;
  }

  #value(): Uint8Array {
    const value: Holder = { holder: this.holder, host: hostname(), pid: process.pid, since: this.#since };
    return new TextEncoder().encode(JSON.stringify(value));
  }

  async #kvOpen(): Promise<KV> {
    await this.open();
    return this.#kv as KV;
  }

  /** Takes the lease if nobody holds it: its revision, or undefined when another holder has it. Throws when NATS cannot answer. */
  async acquire(): Promise<number | undefined> {
    const kv = await this.#kvOpen();
    this.#since = new Date().toISOString();
    try {
      return await kv.create(this.#options.key, this.#value());
    } catch (error) {
      if (apiErrorCode(error) !== JS_ERR.wrongLastSequence) throw error;
      return this.#ifOurs(kv);
    }
  }

  /** Extends the lease held at `revision`: the new revision, or undefined when it is no longer ours. Throws when NATS cannot answer. */
  async renew(revision: number): Promise<number | undefined> {
    const kv = await this.#kvOpen();
    try {
      return await kv.update(this.#options.key, this.#value(), revision);
    } catch (error) {
      if (apiErrorCode(error) !== JS_ERR.wrongLastSequence) throw error;
      return this.#ifOurs(kv);
    }
  }

  /** After a failed compare-and-set: if the key still holds our value (an earlier write whose answer was lost), write again at its revision. */
  async #ifOurs(kv: KV): Promise<number | undefined> {
    const entry = await kv.get(this.#options.key);
    if (entry === null || entry.operation !== 'PUT') return undefined;
    let holder: string | undefined;
    try {
      holder = (JSON.parse(entry.string()) as Partial<Holder>).holder;
    } catch {
      return undefined;
    }
    if (holder !== this.holder) return undefined;
    try {
      return await kv.update(this.#options.key, this.#value(), entry.revision);
    } catch (error) {
      if (apiErrorCode(error) === JS_ERR.wrongLastSequence) return undefined;
      throw error;
    }
  }

  /** Gives the lease up at once (a delete at its revision), so a standby need not wait for the TTL. Best effort: the TTL ends it anyway. */
  async release(revision: number): Promise<void> {
    const kv = await this.#kvOpen();
    await kv.delete(this.#options.key, { previousSeq: revision });
  }

  /** Who holds the lease now, for log lines; undefined when nobody does or it cannot be read. */
  async currentHolder(): Promise<string | undefined> {
    try {
      const entry = await (await this.#kvOpen()).get(this.#options.key);
      if (entry === null || entry.operation !== 'PUT') return undefined;
      return (JSON.parse(entry.string()) as Partial<Holder>).holder;
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {
    const connection = this.#connection;
    this.#connection = undefined;
    this.#kv = undefined;
    await connection?.close().catch(() => undefined);
  }
}

export { describeNatsError };
