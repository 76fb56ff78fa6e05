import { defineExporter, Type } from '@ferry/sdk';

/** A plugin that states it needs a later SDK than this Ferry has. */
export default defineExporter({
  type: 'future',
  description: 'Built for a later SDK than this Ferry provides.',
  stability: 'alpha',
  sdkVersion: '^9.0.0',
  configSchema: Type.Object({}, { additionalProperties: false }),
  create: () => ({ async export() {} }),
});
