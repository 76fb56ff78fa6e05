/**
 * Test support for the s3 exporter: a checking S3 peer (s3rver behind a checking,
 * fault-injecting proxy; its API is documented in peer.ts) and the checks it applies.
 */
export { startS3Peer } from './peer.js';
export type { S3Peer, S3Fault, S3Object, ReceivedPut } from './peer.js';
export { checkPut } from './checks.js';
export type { PutCheck } from './checks.js';
