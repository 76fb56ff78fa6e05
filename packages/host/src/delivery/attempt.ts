import type { Batch, Exporter, ExportResult } from '@ferry/sdk';

/** An attempt that ran past `timeoutMs`: retryable, never mistaken for a stop. */
export class AttemptTimeout extends Error {
  override readonly name = 'AttemptTimeout';
}

/**
 * One call of the exporter with a deadline. The exporter's signal aborts at the deadline
 * or when `stop` aborts; an exporter that ignores its signal still cannot hold the batch
 * past the deadline, since the attempt rejects then.
 */
export async function attemptWithTimeout(exporter: Exporter, batch: Batch, attempt: number, timeoutMs: number, stop: AbortSignal): Promise<ExportResult | void> {
  const controller = new AbortController();
  const onStop = () => controller.abort(stop.reason);
  stop.addEventListener('abort', onStop, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new AttemptTimeout(`export attempt timed out after ${timeoutMs} ms`);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([exporter.export(batch, { signal: controller.signal, attempt }), timedOut]);
  } finally {
    clearTimeout(timer);
    stop.removeEventListener('abort', onStop);
  }
}
