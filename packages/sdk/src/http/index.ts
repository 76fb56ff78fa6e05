/**
 * What every HTTP exporter and receiver needs, in one place (`@ferry/sdk/http`, apart from
 * the SDK's main entry so that loading a plugin that needs none of it costs nothing):
 * Retry-After in both forms, what a status means for the host, network failures in words,
 * and sending a batch in requests with 413 splitting.
 */
export { retryAfterMs, retryAfterHeader } from './retry-after.js';
export { statusError, isRetryableStatus, isPushBackStatus, isConfigStatus, RequestTooLargeError, isRequestTooLarge } from './status.js';
export type { StatusErrorOptions } from './status.js';
export { describeNetworkError, unreachable } from './network.js';
export { sendInRequests } from './send-in-requests.js';
export type { SendInRequestsOptions, RequestItem } from './send-in-requests.js';
export { fetchAnswer, requestDeadline } from './deadline.js';
export type { AnswerOptions, RequestDeadline } from './deadline.js';
