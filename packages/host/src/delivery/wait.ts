/** Waits `ms` (or for `wake`, when given), returning early when the signal aborts; clears its timer. */
export function wait(ms: number, signal: AbortSignal, wake?: Promise<void>): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    void wake?.then(done);
  });
}
