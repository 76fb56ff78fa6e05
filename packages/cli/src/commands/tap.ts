import { EXIT } from '../exit-codes.js';
import { describeAnswer, describeFailure, telemetryClient, type ServerOptions } from '../telemetry-client.js';

export interface TapCommandOptions extends ServerOptions {
  readonly limit: string;
  readonly interval: string;
  /** Stop after this many events. */
  readonly count?: string;
}

/**
 * `ferry tap <component>`: prints a sample of the events passing a component of a running
 * Ferry, one JSON object per line (`{"component","pipeline","event"}`), as they flow:
 * up to `--limit` events every `--interval` ms, until Ctrl-C, `--count` events, or the
 * collector stops. Events are shown as stored (after `redact`).
 */
export async function tap(component: string, options: TapCommandOptions): Promise<number> {
  const client = await telemetryClient(options);
  const wanted = options.count === undefined ? Infinity : Number(options.count);
  const query = new URLSearchParams({ component, limit: options.limit, intervalMs: options.interval });
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  process.once('SIGTERM', () => abort.abort());
  let response: Response;
  try {
    response = await client.get(`/api/tap?${query}`, abort.signal);
  } catch (error) {
    process.stderr.write(`ferry: ${describeFailure(client.base, error)}\n`);
    return EXIT.failure;
  }
  if (!response.ok || response.body === null) {
    process.stderr.write(`ferry: ${await describeAnswer(response)}\n`);
    return EXIT.failure;
  }
  let printed = 0;
  let pending = '';
  let header = true;
  try {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      pending += Buffer.from(chunk).toString('utf8');
      let newline = pending.indexOf('\n');
      while (newline !== -1) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
        if (header) {
          // What is tapped, for a person watching; the events alone go to stdout.
          header = false;
          process.stderr.write(`ferry: tapping ${(JSON.parse(line) as { tapping: string }).tapping} at ${client.base} (Ctrl-C to stop)\n`);
          continue;
        }
        process.stdout.write(`${line}\n`);
        if (++printed >= wanted) {
          abort.abort();
          return EXIT.ok;
        }
      }
    }
  } catch (error) {
    if (abort.signal.aborted) return EXIT.ok;
    process.stderr.write(`ferry: the tap ended: ${(error as Error).message}\n`);
    return EXIT.failure;
  }
  if (!abort.signal.aborted) process.stderr.write('ferry: the collector stopped; the tap ended\n');
  return EXIT.ok;
}
