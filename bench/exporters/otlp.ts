/**
 * The otlp exporter against the checking OTLP endpoint, which decodes every request with
 * the official OTLP decoder (protobuf, gzip), at its default batch size. Run by `pnpm
 * bench`, or alone: `tsx bench/exporters/otlp.ts [events]`.
 */
import { createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import { startOtlpPeer } from '@ferry/otlp/testing';
import { benchEvents, figures, timeExports, type ExporterFigures } from './measure.js';
import otlp from '../../plugins/exporter-otlp/src/index.js';

export async function benchmark(options: { events?: number } = {}): Promise<ExporterFigures> {
  const count = options.events ?? 100_000;
  const events = benchEvents(count, 17);
  const batchSize = otlp.batchDefaults?.batchSize ?? 500;
  const peer = await startOtlpPeer();
  try {
    const exporter = otlp.create(createTestContext(resolveConfig(otlp.configSchema, { endpoint: peer.url }), { id: 'otlp' }));
    const timing = await timeExports(exporter, events, batchSize);
    await exporter.shutdown?.();
    if (peer.violations.length > 0 || peer.records.length !== count) throw new Error(`the endpoint holds ${peer.records.length} of ${count} records; violations: ${peer.violations.slice(0, 3).join('; ')}`);
    return figures(`otlp (protobuf, gzip, batch ${batchSize})`, count, peer.requests.length, timing, 'the official protobufjs decoder in the peer runs in the same process');
  } finally {
    await peer.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchmark({ events: Number(process.argv[2] ?? 100_000) }));
