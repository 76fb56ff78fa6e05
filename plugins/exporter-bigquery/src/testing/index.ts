/**
 * Test support for the BigQuery exporter: a checking local BigQuery endpoint (see peer.ts
 * for its API) and the checks it applies to every insertAll request (checks.ts).
 */
export { startBigQueryPeer } from './peer.js';
export type { BigQueryPeer, BigQueryPeerOptions, PeerFault, PeerApi, PeerRequest, PeerTable, PeerColumn, InsertedRow, ReceivedRow, RowRefusal } from './peer.js';
export { API_LIMITS, checkInsertAll, expectedInsertId, rowErrors, SEED_COLUMNS } from './checks.js';
export type { CheckedInsertAll, InsertAllRow } from './checks.js';
