/**
 * Test support for the Datadog exporter: a checking local Logs intake (see peer.ts for its
 * API) and the checks it applies (checks.ts).
 */
import { startDatadogPeer, type DatadogPeer, type DatadogPeerOptions, type PeerFault } from './peer.js';

export { startDatadogPeer } from './peer.js';
export type { DatadogPeer, DatadogPeerOptions, PeerFault, PeerRequest } from './peer.js';
export { checkEntry, checkBody, INTAKE_LIMITS } from './checks.js';
export type { IntakeEntry, ExpectedMapping } from './checks.js';

/** @deprecated The first name of `startDatadogPeer` (the e2e suite and the bench still use it). */
export const startDatadogIntake: (options: DatadogPeerOptions) => Promise<DatadogPeer> = startDatadogPeer;
/** @deprecated Use `DatadogPeer`. */
export type DatadogIntake = DatadogPeer;
/** @deprecated Use `PeerFault`. */
export type IntakeFault = PeerFault;
