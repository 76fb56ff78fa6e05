import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Lease } from './elected-receiver.js';
import type { ElectionTimings, LeaderElectionConfig } from './leader-schema.js';

/**
 * The lease in a NATS KV bucket (`NatsKvLease` of @ferry/nats), imported on first use so a
 * collector without leader election never loads the NATS client. Made without I/O.
 */
export function natsLease(config: LeaderElectionConfig, timings: ElectionTimings, at: { readonly id: string; readonly path: string }): Lease {
  const holder = `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
  let opened: Promise<Lease> | undefined;
  const lease = (): Promise<Lease> => {
    opened ??= import('@ferry/nats').then(({ NatsKvLease, leaseKey }) =>
      new NatsKvLease({
        nats: config.nats,
        bucket: config.bucket,
        key: config.key ?? leaseKey(at.id),
        leaseMs: timings.leaseMs,
        replicas: config.replicas,
        path: at.path,
        connectionName: `ferry leader election ${at.id}`,
        holder,
        // A request never outlasts the renew interval: the campaign tries again rather than wait.
        requestTimeoutMs: Math.max(250, Math.min(5000, timings.renewMs)),
      }),
    );
    return opened;
  };
  const where = `bucket ${config.bucket} key ${config.key ?? at.id}`;
  return {
    holder,
    where,
    acquire: async () => (await lease()).acquire(),
    renew: async (revision) => (await lease()).renew(revision),
    release: async (revision) => (await lease()).release(revision),
    currentHolder: async () => (await lease()).currentHolder(),
    close: async () => {
      if (opened !== undefined) await (await opened).close();
    },
  };
}
