import { defineReceiver, Type, type EventConsumer } from '@ferry/sdk';

/** A receiver the test drives by hand: `receivers.get(name).next.consume(...)`. */
export interface DrivenReceiver {
  next: EventConsumer | undefined;
  readonly lifecycle: string[];
  failStart?: Error;
  reportError?: (error: Error) => void;
}

// Shared through globalThis: the host imports this file itself, possibly as another module instance.
const shared = globalThis as { __ferryReceivers?: Map<string, DrivenReceiver> };
export const receivers: Map<string, DrivenReceiver> = (shared.__ferryReceivers ??= new Map());

export function driven(name: string): DrivenReceiver {
  let found = receivers.get(name);
  if (found === undefined) {
    found = { next: undefined, lifecycle: [] };
    receivers.set(name, found);
  }
  return found;
}

export default defineReceiver({
  type: 'driven',
  description: 'Hands the test its consumer, so the test decides what arrives and when.',
  stability: 'development',
  configSchema: Type.Object({ name: Type.String({ description: 'Which driven receiver this is.' }) }, { additionalProperties: false }),
  create(ctx) {
    const target = driven(ctx.config.name);
    return {
      async start() {
        target.lifecycle.push(`start ${ctx.id}`);
        if (target.failStart) throw target.failStart;
        target.next = ctx.next;
        target.reportError = (error) => ctx.reportError(error);
      },
      async shutdown() {
        target.lifecycle.push(`shutdown ${ctx.id}`);
      },
    };
  },
});
