/**
 * The BigQuery exporter against its local endpoint (real HTTP on 127.0.0.1 through the real
 * client library, every insertAll request checked), at the seed's batch size: events and
 * requests per second, and CPU time per 10,000 events. Run by `pnpm bench`, or alone:
 * `tsx bench/exporters/bigquery.ts [events]`.
 */
import { createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import { benchEvents, figures, timeExports, type ExporterFigures } from './measure.js';
import bigquery from '../../plugins/exporter-bigquery/src/index.js';
import { startBigQueryPeer } from '../../plugins/exporter-bigquery/src/testing/index.js';

export type { ExporterFigures };

export async function benchmark(options: { events?: number } = {}): Promise<ExporterFigures> {
  const count = options.events ?? 100_000;
  const events = benchEvents(count, 11);
  const batchSize = bigquery.batchDefaults?.batchSize ?? 500;
  const peer = await startBigQueryPeer({ project: 'bench', dataset: 'grantex', tables: ['events'] });
  try {
    const config = { projectId: 'bench', datasetId: 'grantex', tableId: 'events', apiEndpoint: peer.url, anonymous: true };
    const exporter = bigquery.create(createTestContext(resolveConfig(bigquery.configSchema, config), { id: 'bigquery' }));
    await exporter.start?.();
    const before = peer.insertRequests.length;
    const timing = await timeExports(exporter, events, batchSize);
    await exporter.shutdown?.();
    if (peer.violations.length > 0 || peer.received.length !== count) {
      throw new Error(`the endpoint holds ${peer.received.length} of ${count} rows; violations: ${peer.violations.slice(0, 3).join('; ')}`);
    }
    return figures(`bigquery (insertAll, batch ${batchSize})`, count, peer.insertRequests.length - before, timing, 'the checking endpoint runs in the same process: its JSON parse and per-row checks are in the CPU figure');
  } finally {
    await peer.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchmark({ events: Number(process.argv[2] ?? 100_000) }));
}
