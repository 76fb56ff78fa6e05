import type { Production } from './production.js';
import type { SseStream } from './sse-stream.js';

/** Events per write in pull mode: enough to amortize a write, few enough to yield often. */
const BATCH = 64;

/**
 * Pull mode: the stream gets its own events as fast as its client reads them. `send`
 * waits for 'drain', so a client that stops reading stops production for its stream.
 * `types` is what this stream may receive (undefined: anything).
 */
export async function pullInto(stream: SseStream, production: Production, types: readonly string[] | undefined): Promise<void> {
  if (types?.length === 0) return;
  while (stream.accepting && !production.exhausted) {
    const events = production.take(BATCH, types);
    const sent = await stream.send(events);
    production.giveBack(events.length - sent);
    if (sent < events.length) return;
    // Let keepalives, other streams and new connections have a turn.
    await new Promise((resolve) => setImmediate(resolve));
  }
}
