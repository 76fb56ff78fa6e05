/** A request's signal, and what releases it once the request is over. */
export interface RequestDeadline {
  readonly signal: AbortSignal;
  /** Stops the timer and lets go of the caller's signal: call it when the answer was read. */
  done(): void;
}

/**
 * A signal that aborts when `signal` does or after `timeoutMs`, whichever comes first — what
 * `AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)])` gives, for a fraction of its
 * cost: Node 20 builds that from two transferable signals registered for clean-up each
 * time, which the Datadog path's profile showed at about 0.6 µs an event with 100 events a
 * request. The timeout aborts with a DOMException named `TimeoutError`, as
 * AbortSignal.timeout does, so `unreachable` words it the same way.
 */
export function requestDeadline(signal: AbortSignal, timeoutMs: number): RequestDeadline {
  const controller = new AbortController();
  if (signal.aborted) {
    controller.abort(signal.reason);
    return { signal: controller.signal, done: () => undefined };
  }
  const onAbort = () => controller.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
  return {
    signal: controller.signal,
    done: () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    },
  };
}
