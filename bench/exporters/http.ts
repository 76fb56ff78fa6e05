/**
 * The http exporter against its checking webhook consumer (real HTTP on 127.0.0.1, signed
 * JSON arrays, signature and batch id recomputed per request), at its default batch size.
 * Run by `pnpm bench`, or alone: `tsx bench/exporters/http.ts [events]`.
 */
import { createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import { benchEvents, figures, timeExports, type ExporterFigures } from './measure.js';
import http from '../../plugins/exporter-http/src/index.js';
import { startHttpPeer } from '../../plugins/exporter-http/src/testing/index.js';

const SECRET = 'bench-signing-secret-0123456789';

export async function benchmark(options: { events?: number } = {}): Promise<ExporterFigures> {
  const count = options.events ?? 100_000;
  const events = benchEvents(count, 11);
  const batchSize = http.batchDefaults?.batchSize ?? 500;
  const peer = await startHttpPeer({ secret: SECRET });
  try {
    const exporter = http.create(createTestContext(resolveConfig(http.configSchema, { url: peer.url, secret: SECRET }), { id: 'http' }));
    await exporter.start?.();
    const timing = await timeExports(exporter, events, batchSize);
    await exporter.shutdown?.();
    if (peer.violations.length > 0 || peer.received.length !== count) throw new Error(`the peer holds ${peer.received.length} of ${count} events; violations: ${peer.violations.slice(0, 3).join('; ')}`);
    return figures(`http (signed JSON, batch ${batchSize})`, count, peer.requests.length, timing, 'the checking peer (HMAC, SHA-256 batch id, JSON parse) runs in the same process');
  } finally {
    await peer.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchmark({ events: Number(process.argv[2] ?? 100_000) }));
