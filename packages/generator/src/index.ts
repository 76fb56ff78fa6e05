/**
 * @ferry/generator: a Grantex-compatible event source, like the OpenTelemetry Collector's
 * telemetrygen. `startGenerator` serves the SSE stream; `deliverWebhooks` posts the same
 * events as signed webhooks until acknowledged; `createEventFactory` makes the events.
 */
export { EVENT_TYPES } from './catalog.js';
export { createEventFactory } from './events.js';
export type { EventFactory, EventFactoryOptions } from './events.js';
export { startGenerator } from './server.js';
export type { GeneratorFaults, GeneratorOptions, GeneratorServer } from './options.js';
export { deliverWebhooks } from './webhooks.js';
export { signWebhook } from './signature.js';
export type { WebhookOptions, WebhookRun } from './webhooks.js';
export type { WebhookHeaders } from './signature.js';
