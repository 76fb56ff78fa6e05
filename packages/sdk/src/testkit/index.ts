/**
 * The Ferry test kit: run your component against the same contract the host relies on.
 *
 *   import { conformanceCases } from '@ferry/sdk/testkit';
 *   for (const c of conformanceCases(myExporter, { config: {...} })) it(c.name, c.run);
 */
export { conformanceCases } from './conformance.js';
export type { ConformanceCase, ConformanceOptions } from './conformance.js';
export { createTestContext, resolveConfig, resolveComponentConfig, acceptsConfig, configProblems } from './context.js';
export type { TestContext, TestContextOptions, LogLine, ConfigurableDefinition } from './context.js';
export { readRequestBody, closeHttpPeer, listenHttpPeer } from './http-peer.js';
export { freePort } from './free-port.js';
export { collectGarbage, collectingGarbage } from './garbage.js';
