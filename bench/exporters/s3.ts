/**
 * The S3 exporter against its checking peer (s3rver behind the proxy that verifies SigV4,
 * Content-MD5 and every archive line, on 127.0.0.1), gzip, at the seed's batch size:
 * events and requests per second, and CPU time per 10,000 events. Run by `pnpm bench`, or
 * alone: `tsx bench/exporters/s3.ts [events]`.
 */
import { createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import { benchEvents, figures, timeExports, type ExporterFigures } from './measure.js';
import s3 from '../../plugins/exporter-s3/src/index.js';
import { startS3Peer } from '../../plugins/exporter-s3/src/testing/index.js';

export type { ExporterFigures };

export async function benchmark(options: { events?: number } = {}): Promise<ExporterFigures> {
  const count = options.events ?? 100_000;
  const events = benchEvents(count, 11);
  const batchSize = s3.batchDefaults?.batchSize ?? 1000;
  const peer = await startS3Peer({ buckets: ['bench-archive'] });
  try {
    const config = resolveConfig(s3.configSchema, { bucket: 'bench-archive', endpoint: peer.endpoint, forcePathStyle: true, compression: 'gzip' });
    const exporter = s3.create(createTestContext(config, { id: 's3' }));
    await exporter.start?.();
    const before = peer.requests.puts;
    const timing = await timeExports(exporter, events, batchSize);
    await exporter.shutdown?.();
    const stored = peer.received.filter((put) => put.key.endsWith('.ndjson.gz')).reduce((n, put) => n + put.records.length, 0);
    if (peer.violations.length > 0 || stored !== count) {
      throw new Error(`the peer holds ${stored} of ${count} events; violations: ${peer.violations.slice(0, 3).join('; ')}`);
    }
    return figures(`s3 (gzip, batch ${batchSize})`, count, peer.requests.puts - before, timing, 's3rver and the checking proxy run in the same process: their disk writes, SigV4 and MD5 checks, gunzip and per-line parse are in the CPU figure');
  } finally {
    await peer.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchmark({ events: Number(process.argv[2] ?? 100_000) }));
}
