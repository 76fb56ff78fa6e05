/**
 * The Datadog exporter against its local Logs intake (real HTTP on 127.0.0.1, gzip, every
 * entry checked), at the seed's batch size: events and requests per second, and CPU time
 * per 10,000 events. Run by `pnpm bench`, or alone: `tsx bench/exporters/datadog.ts [events]`.
 */
import { createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import { benchEvents, figures, timeExports, type ExporterFigures } from './measure.js';
import datadog from '../../plugins/exporter-datadog/src/index.js';
import { startDatadogPeer } from '../../plugins/exporter-datadog/src/testing/index.js';

const KEY = 'bench0123456789abcdef0123456789a';

export type { ExporterFigures };

export async function benchmark(options: { events?: number } = {}): Promise<ExporterFigures> {
  const count = options.events ?? 100_000;
  const events = benchEvents(count, 7);
  const batchSize = datadog.batchDefaults?.batchSize ?? 100;
  const peer = await startDatadogPeer({ apiKey: KEY, expect: { source: 'grantex', service: 'grantex', hostname: 'grantex-auth-service', tags: [] } });
  try {
    const exporter = datadog.create(createTestContext(resolveConfig(datadog.configSchema, { apiKey: KEY, endpoint: peer.endpoint }), { id: 'datadog' }));
    await exporter.start?.();
    const before = peer.requests.length;
    const timing = await timeExports(exporter, events, batchSize);
    await exporter.shutdown?.();
    if (peer.violations.length > 0 || peer.received.length !== count) {
      throw new Error(`the intake holds ${peer.received.length} of ${count} entries; violations: ${peer.violations.slice(0, 3).join('; ')}`);
    }
    return figures(`datadog (gzip, batch ${batchSize})`, count, peer.requests.length - before, timing, 'the checking intake runs in the same process: its gunzip, parse and per-entry checks are in the CPU figure');
  } finally {
    await peer.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchmark({ events: Number(process.argv[2] ?? 100_000) }));
}
