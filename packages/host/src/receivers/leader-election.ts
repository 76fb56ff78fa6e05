/**
 * Leader election for single-reader receivers: a host feature any receiver takes with a
 * `leaderElection` block in its config (see leader-schema.ts for the options, and
 * elected-receiver.ts for how one leader is kept).
 */
import { ConfigError, type EventConsumer, type Logger, type Receiver } from '@ferry/sdk';
import { ElectedReceiver } from './elected-receiver.js';
import { electionTimings, LEADER_ELECTION_KEY, type LeaderElectionConfig } from './leader-schema.js';
import { natsLease } from './nats-lease.js';

export { LEADER_ELECTION_KEY, splitReceiverConfig } from './leader-schema.js';

export interface ElectedReceiverInput {
  readonly id: string;
  readonly election: LeaderElectionConfig;
  readonly logger: Logger;
  /** Makes the plugin's receiver, handing its events to `next`. */
  readonly create: (next: EventConsumer) => Receiver;
  readonly next: EventConsumer;
  readonly reportError: (error: Error) => void;
  /** Told `standby` at once, then each change of role (for /status). */
  readonly onRole?: (role: 'leader' | 'standby') => void;
}

/**
 * The receiver wrapped in an election (made without I/O, as `create` must be). A reload that
 * restarts it shuts this one down, which stops the receiver and releases the lease, then
 * starts the new one, which campaigns afresh.
 */
export function electedReceiver(input: ElectedReceiverInput): Receiver {
  const path = `receivers.${input.id}.${LEADER_ELECTION_KEY}`;
  let timings;
  try {
    timings = electionTimings(input.election, path);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  input.onRole?.('standby');
  return new ElectedReceiver({
    path: `receivers.${input.id}`,
    timings,
    lease: natsLease(input.election, timings, { id: input.id, path }),
    create: input.create,
    next: input.next,
    logger: input.logger,
    reportError: input.reportError,
    ...(input.onRole === undefined ? {} : { onRole: input.onRole }),
  });
}
