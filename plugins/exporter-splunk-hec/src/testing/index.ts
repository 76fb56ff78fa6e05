/** Test support for the splunk_hec exporter: a local HTTP Event Collector that checks what it is sent (see peer.ts). */
export { startHecPeer } from './peer.js';
export type { HecPeer, HecPeerOptions, HecFault, HecEvent, HecRequest } from './peer.js';
