/**
 * The BigQuery exporter against its local endpoint (real HTTP on 127.0.0.1 through the real
 * client library, every insertAll request checked), at the seed's batch size: events and
 * requests per second, and CPU time per 10,000 events. Run by `pnpm bench`, or alone:
 * `tsx bench/exporters/bigquery.ts [events]`.
 */
import { createBatch, type FerryEvent } from '@ferry/sdk';
import { createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import { createEventFactory } from '@ferry/generator';
import bigquery from '../../plugins/exporter-bigquery/src/index.js';
import { startBigQueryPeer } from '../../plugins/exporter-bigquery/src/testing/index.js';

export interface ExporterFigures {
  readonly name: string;
  readonly eventsPerSecond: number;
  readonly requestsPerSecond: number;
  readonly cpuMsPer10kEvents: number;
  readonly notes?: string;
}

export async function benchmark(options: { events?: number } = {}): Promise<ExporterFigures> {
  const count = options.events ?? 100_000;
  const factory = createEventFactory({ seed: 11 });
  const events: FerryEvent[] = Array.from({ length: count }, () => factory.next());
  const batchSize = bigquery.batchDefaults?.batchSize ?? 500;
  const peer = await startBigQueryPeer({ project: 'bench', dataset: 'grantex', tables: ['events'] });
  try {
    const config = { projectId: 'bench', datasetId: 'grantex', tableId: 'events', apiEndpoint: peer.url, anonymous: true };
    const exporter = bigquery.create(createTestContext(resolveConfig(bigquery.configSchema, config), { id: 'bigquery' }));
    await exporter.start?.();
    const before = peer.insertRequests.length;
    const signal = new AbortController().signal;
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let at = 0; at < count; at += batchSize) {
      const result = await exporter.export(createBatch({ events: events.slice(at, at + batchSize), firstSeq: at }), { signal, attempt: 1 });
      if (result && (result.rejected?.length ?? 0) > 0) throw new Error(`BigQuery rejected ${result.rejected?.length} events: ${result.rejected?.[0]?.error.message}`);
    }
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    await exporter.shutdown?.();
    if (peer.violations.length > 0 || peer.received.length !== count) {
      throw new Error(`the endpoint holds ${peer.received.length} of ${count} rows; violations: ${peer.violations.slice(0, 3).join('; ')}`);
    }
    return {
      name: `bigquery (insertAll, batch ${batchSize})`,
      eventsPerSecond: count / seconds,
      requestsPerSecond: (peer.insertRequests.length - before) / seconds,
      cpuMsPer10kEvents: ((used.user + used.system) / 1000 / count) * 10_000,
      notes: 'the checking endpoint runs in the same process: its JSON parse and per-row checks are in the CPU figure',
    };
  } finally {
    await peer.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchmark({ events: Number(process.argv[2] ?? 100_000) }));
}
