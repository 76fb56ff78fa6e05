/** Test support for the http exporter: a checking webhook consumer (see peer.ts). */
export { startHttpPeer } from './peer.js';
export type { HttpPeer, HttpPeerOptions, HttpPeerFault, HttpPeerRequest } from './peer.js';
