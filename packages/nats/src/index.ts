export { connectionProperties, connectionSchema, DEFAULT_SERVERS } from './options.js';
export type { NatsConnectionOptions } from './options.js';
export { clientOptions, closeConnection, connectNats, describeServers, isAuthError, serverList } from './connect.js';
export type { ConnectContext } from './connect.js';
export { apiErrorCode, describeNatsError, errorCode, isConnectionLoss, isNoResponders, isTimeout, JS_ERR } from './errors.js';
export { coveredBy, subjectFor, subjectMatches, templateFilter, TYPE_PLACEHOLDER } from './subject.js';
export { leaseHolderId, leaseKey, NatsKvLease } from './lease.js';
export type { NatsLeaseOptions } from './lease.js';
