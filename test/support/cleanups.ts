import { afterEach } from 'vitest';
import { runFerry, type FerryProcess } from './ferry-process.js';
import { startNdjsonSink, type NdjsonSink } from './ndjson-sink.js';

export type Cleanup = () => Promise<unknown> | void;

export interface Cleanups {
  /** Undone after the test, in reverse order of pushing. */
  push(cleanup: Cleanup): void;
  /** `ferry run --config <config>`, killed (SIGKILL) after the test if it still runs. */
  ferry(config: string, env?: NodeJS.ProcessEnv): FerryProcess;
  /** An NDJSON destination on 127.0.0.1, closed after the test. */
  sink(): Promise<NdjsonSink>;
}

/**
 * What an end-to-end test starts — ferry processes, servers, workspaces — undone after each
 * test, newest first, so that a failing test leaves nothing running for the next. Call it
 * once at the top level of a test file (it registers an afterEach hook).
 */
export function cleanAfterEach(): Cleanups {
  const steps: Cleanup[] = [];
  afterEach(async () => {
    for (const step of steps.splice(0).reverse()) await step();
  });
  const push = (cleanup: Cleanup) => void steps.push(cleanup);
  return {
    push,
    ferry(config, env) {
      const process = runFerry(['run', '--config', config], env === undefined ? {} : { env });
      push(async () => {
        if (process.child.exitCode === null && process.child.signalCode === null) process.signal('SIGKILL');
        await process.exited;
      });
      return process;
    },
    async sink() {
      const s = await startNdjsonSink();
      push(() => s.close());
      return s;
    },
  };
}
