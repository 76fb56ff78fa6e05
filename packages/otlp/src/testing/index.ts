/** Test support for the OTLP plugins: an OTLP/HTTP logs endpoint that decodes with the official OTLP code (see peer.ts). */
export { startOtlpPeer } from './peer.js';
export type { OtlpPeer, OtlpPeerFault, OtlpPeerRequest, PeerRecord, PeerValue } from './peer.js';
export { ExportLogsServiceRequest } from './official-decoder.js';
