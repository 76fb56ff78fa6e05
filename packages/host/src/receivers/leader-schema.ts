import { Type, type ConfigProblem, type Static } from '@ferry/sdk';
import { hostOptionSplitter } from '../config/host-options.js';
import { connectionProperties } from '@ferry/nats/options';

/** The receiver option the host takes for itself (never passed to the plugin), like an exporter's delivery options. */
export const LEADER_ELECTION_KEY = 'leaderElection';

export const leaderElectionSchema = Type.Object(
  {
    nats: Type.Object(connectionProperties(), {
      additionalProperties: false,
      description: 'Where the lease lives: the NATS servers (with JetStream) and how to authenticate, as for the nats receiver and exporter.',
    }),
    bucket: Type.String({ minLength: 1, pattern: '^[-\\w]+$', default: 'ferry-leases', description: 'The KV bucket of leases; made at first use with a TTL of `leaseMs`. Every instance that shares it must use the same `leaseMs`.' }),
    key: Type.Optional(Type.String({ minLength: 1, pattern: '^[-/_=.a-zA-Z0-9]+$', description: 'The lease\'s key in the bucket: instances with the same key elect one leader. Default: the receiver\'s id.' })),
    leaseMs: Type.Integer({
      minimum: 1000,
      default: 15_000,
      description: 'How long a lease lasts without renewal (ms), the bucket\'s TTL: a standby takes over at most this long (plus `retryMs`) after a leader dies.',
    }),
    renewMs: Type.Optional(Type.Integer({ minimum: 100, description: 'How often the leader renews its lease (ms). Default: a third of `leaseMs`.' })),
    renewDeadlineMs: Type.Optional(
      Type.Integer({
        minimum: 100,
        description:
          'A leader that has not renewed for this long stops its receiver (ms), before the lease can expire and another instance take it. Default: two thirds of `leaseMs`; the rest of the lease is the margin for stopping.',
      }),
    ),
    retryMs: Type.Optional(Type.Integer({ minimum: 100, description: 'How often a standby tries to take the lease (ms). Default: a fifth of `leaseMs`.' })),
    replicas: Type.Integer({ minimum: 1, maximum: 5, default: 1, description: 'Replicas of the bucket when Ferry makes it (3 in a production cluster).' }),
  },
  {
    additionalProperties: false,
    description:
      'Run this receiver on one instance at a time: the instances elect a leader through a lease in a NATS KV bucket, and only the leader runs the receiver (for single-reader sources such as the Grantex SSE stream). See the README: Leader election.',
  },
);

export type LeaderElectionConfig = Static<typeof leaderElectionSchema>;

/** The options the host adds to every receiver (split off before the plugin sees its options). */
export const receiverHostSchema = Type.Object({ [LEADER_ELECTION_KEY]: Type.Optional(leaderElectionSchema) });

/** The election's timings, every default filled and their order checked. */
export interface ElectionTimings {
  readonly leaseMs: number;
  readonly renewMs: number;
  readonly renewDeadlineMs: number;
  readonly retryMs: number;
}

/** The timings with every default filled, in the order they must keep. */
function fillTimings(config: LeaderElectionConfig): ElectionTimings {
  const { leaseMs } = config;
  return {
    leaseMs,
    renewMs: config.renewMs ?? Math.floor(leaseMs / 3),
    renewDeadlineMs: config.renewDeadlineMs ?? Math.floor((leaseMs * 2) / 3),
    retryMs: config.retryMs ?? Math.floor(leaseMs / 5),
  };
}

/** What keeps a set of timings from holding one leader, each at its option (`renewMs`), for the config check. */
export function electionProblems(config: LeaderElectionConfig): ConfigProblem[] {
  const { leaseMs, renewMs, renewDeadlineMs } = fillTimings(config);
  if (renewDeadlineMs >= leaseMs) {
    return [{ path: 'renewDeadlineMs', problem: `${renewDeadlineMs} must be less than leaseMs (${leaseMs}), or a leader could still read after its lease expired` }];
  }
  if (renewMs >= renewDeadlineMs) {
    return [{ path: 'renewMs', problem: `${renewMs} must be less than renewDeadlineMs (${renewDeadlineMs}), or the leader would step down before its first renewal` }];
  }
  return [];
}

/** Fills the timing defaults; a set of timings that cannot keep one leader (checked when the config is loaded) is refused, naming the option. */
export function electionTimings(config: LeaderElectionConfig, path: string): ElectionTimings {
  const [problem] = electionProblems(config);
  if (problem !== undefined) throw new Error(`${path}.${problem.path}: ${problem.problem}`);
  return fillTimings(config);
}

/** A receiver's config split into the plugin's own options and the host's (`leaderElection`). */
export const splitReceiverConfig = hostOptionSplitter(receiverHostSchema);
