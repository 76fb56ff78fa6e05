import { ConfigError, defineExporter, PermanentError, RetryableError, Secret, Type, type Batch, type DeliveryProgress, type ExportResult } from '@ferry/sdk';

/**
 * A destination inside the test process whose behaviour each test scripts: what it
 * received, and what it answers next. Registered on globalThis so a test can reach the
 * instance the host created.
 */
export interface ScriptedDestination {
  readonly received: Batch[];
  /** Answers for the next export calls, in order; when empty, accept. */
  readonly script: Array<'ok' | 'retry' | 'permanent' | 'config' | 'hang' | { retryAfterMs: number } | ((batch: Batch) => ExportResult | void)>;
  readonly lifecycle: string[];
  failStart?: Error;
  /** Thrown by create() (a component that cannot be made from its config). */
  failCreate?: Error;
  /** The context's view of other exporters' delivery, once created. */
  progress?: DeliveryProgress;
}

// Shared through globalThis: the host imports this file itself, possibly as another module instance.
const shared = globalThis as { __ferryDestinations?: Map<string, ScriptedDestination> };
export const destinations: Map<string, ScriptedDestination> = (shared.__ferryDestinations ??= new Map());

export function destination(name: string): ScriptedDestination {
  let found = destinations.get(name);
  if (found === undefined) {
    found = { received: [], script: [], lifecycle: [] };
    destinations.set(name, found);
  }
  return found;
}

export default defineExporter({
  type: 'memory',
  description: 'Keeps every batch in memory and answers as the test scripts it.',
  stability: 'development',
  configSchema: Type.Object(
    {
      name: Type.String({ description: 'Which scripted destination to use.' }),
      apiKey: Type.Optional(Secret({ description: 'A secret, to check that it never leaks.' })),
    },
    { additionalProperties: false },
  ),
  create(ctx) {
    const target = destination(ctx.config.name);
    if (target.failCreate) throw target.failCreate;
    target.progress = ctx.progress;
    return {
      async start() {
        target.lifecycle.push(`start ${ctx.id}`);
        if (target.failStart) throw target.failStart;
      },
      async shutdown() {
        target.lifecycle.push(`shutdown ${ctx.id}`);
      },
      async export(batch, { signal }) {
        const step = target.script.shift() ?? 'ok';
        if (step === 'retry') throw new RetryableError('destination unavailable (scripted)');
        if (step === 'permanent') throw new PermanentError('destination refused the batch (scripted)');
        if (step === 'config') throw new ConfigError('destination refused the API key (scripted): check exporters.memory.apiKey');
        if (step === 'hang') {
          await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
          throw new RetryableError('aborted');
        }
        if (typeof step === 'object') throw new RetryableError('slow down (scripted)', { retryAfterMs: step.retryAfterMs });
        if (typeof step === 'function') {
          const result = step(batch);
          if (result?.rejected) {
            const rejected = new Set(result.rejected.map((r) => r.index));
            target.received.push(batch.select(batch.events.map((_, i) => i).filter((i) => !rejected.has(i))));
            return result;
          }
        }
        target.received.push(batch);
        return undefined;
      },
    };
  },
});
