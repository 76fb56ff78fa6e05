import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

/**
 * Runs a full garbage collection now, without `--expose-gc` on the command line. For tests
 * of timeouts: on Node 20 a collection can take an `AbortSignal.timeout` that only
 * `AbortSignal.any` refers to, and a request waiting on it then never ends — a test that
 * collects while it waits shows whether a timeout survives that.
 */
export function collectGarbage(): void {
  if (gc === undefined) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

/** Resolves with `promise`'s outcome, collecting garbage every `everyMs` until it settles. */
export async function collectingGarbage<T>(promise: Promise<T>, everyMs = 20): Promise<T> {
  const timer = setInterval(collectGarbage, everyMs);
  try {
    return await promise;
  } finally {
    clearInterval(timer);
  }
}
