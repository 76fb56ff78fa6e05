import { defineProcessor, Type } from '@ferry/sdk';

/** Adds a running counter to each event and keeps it across restarts (snapshot/restore). */
export default defineProcessor({
  type: 'tag',
  description: 'Numbers events with a counter that survives restarts, to test processor state.',
  stability: 'development',
  configSchema: Type.Object({ dropType: Type.Optional(Type.String({ description: 'Drop events of this type.' })) }, { additionalProperties: false }),
  // A check the schema cannot make, to test the host's use of `validate`.
  validate: (config) => (config.dropType?.includes('*') ? [{ path: 'dropType', problem: `${JSON.stringify(config.dropType)} is a glob`, hint: 'name one event type' }] : []),
  create(ctx) {
    let counter = 0;
    return {
      process(events) {
        return events.filter((e) => e.type !== ctx.config.dropType).map((e) => ({ ...e, tag: ++counter }));
      },
      snapshot: () => counter,
      restore(state) {
        counter = typeof state === 'number' ? state : 0;
      },
    };
  },
});
