/**
 * The splunk_hec exporter against the local HEC (gzip, every envelope checked), at the
 * seed's batch size, with indexer acknowledgement (one ack query per 10 ms for every
 * pending batch). Run by `pnpm bench`, or alone: `tsx bench/exporters/splunk-hec.ts [events]`.
 */
import { createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import { benchEvents, figures, timeExports, type ExporterFigures } from './measure.js';
import splunk from '../../plugins/exporter-splunk-hec/src/index.js';
import { startHecPeer } from '../../plugins/exporter-splunk-hec/src/testing/index.js';

const TOKEN = '11111111-2222-3333-4444-555555555555';

export async function benchmark(options: { events?: number } = {}): Promise<ExporterFigures> {
  const count = options.events ?? 100_000;
  const events = benchEvents(count, 13);
  const batchSize = splunk.batchDefaults?.batchSize ?? 100;
  const peer = await startHecPeer({ token: TOKEN, ack: true });
  try {
    const exporter = splunk.create(createTestContext(resolveConfig(splunk.configSchema, { hecUrl: peer.url, hecToken: TOKEN, useAck: true, ackPollIntervalMs: 10 }), { id: 'splunk_hec' }));
    const timing = await timeExports(exporter, events, batchSize);
    await exporter.shutdown?.();
    if (peer.violations.length > 0 || peer.indexed.length !== count) throw new Error(`HEC indexed ${peer.indexed.length} of ${count} events; violations: ${peer.violations.slice(0, 3).join('; ')}`);
    return figures(`splunk_hec (gzip, useAck, batch ${batchSize})`, count, peer.requests.length + peer.ackQueries.length, timing, 'one batch at a time, so each waits for its ack (at most one 10 ms poll); requests count the ack queries too');
  } finally {
    await peer.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchmark({ events: Number(process.argv[2] ?? 100_000) }));
