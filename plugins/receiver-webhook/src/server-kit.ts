/**
 * The HTTP server pieces other Ferry receivers build on (the `otlp` receiver): a server
 * with request and header timeouts and a draining close, the listen address parser, and a
 * body reader that stops at a limit.
 */
export { WebhookServer as ReceiverServer } from './server.js';
export type { ServerSettings, ServerHandlers } from './server.js';
export { parseEndpoint } from './endpoint.js';
export type { ListenAddress } from './endpoint.js';
export { readBody, BodyTooLarge, BodyAborted } from './body.js';
