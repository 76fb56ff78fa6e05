/**
 * The Datadog exporter against its local Logs intake (real HTTP on 127.0.0.1, gzip, every
 * entry checked), at the seed's batch size: events and requests per second, and CPU time
 * per 10,000 events. Run by `pnpm bench`, or alone: `tsx bench/exporters/datadog.ts [events]`.
 */
import { createBatch, type FerryEvent } from '@ferry/sdk';
import { createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import { createEventFactory } from '@ferry/generator';
import datadog from '../../plugins/exporter-datadog/src/index.js';
import { startDatadogPeer } from '../../plugins/exporter-datadog/src/testing/index.js';

export interface ExporterFigures {
  readonly name: string;
  readonly eventsPerSecond: number;
  readonly requestsPerSecond: number;
  readonly cpuMsPer10kEvents: number;
  readonly notes?: string;
}

const KEY = 'bench0123456789abcdef0123456789a';

export async function benchmark(options: { events?: number } = {}): Promise<ExporterFigures> {
  const count = options.events ?? 100_000;
  const factory = createEventFactory({ seed: 7 });
  const events: FerryEvent[] = Array.from({ length: count }, () => factory.next());
  const batchSize = datadog.batchDefaults?.batchSize ?? 100;
  const peer = await startDatadogPeer({ apiKey: KEY, expect: { source: 'grantex', service: 'grantex', hostname: 'grantex-auth-service', tags: [] } });
  try {
    const exporter = datadog.create(createTestContext(resolveConfig(datadog.configSchema, { apiKey: KEY, endpoint: peer.endpoint }), { id: 'datadog' }));
    await exporter.start?.();
    const signal = new AbortController().signal;
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let at = 0; at < count; at += batchSize) {
      const result = await exporter.export(createBatch({ events: events.slice(at, at + batchSize), firstSeq: at }), { signal, attempt: 1 });
      if (result && (result.rejected?.length ?? 0) > 0) throw new Error(`the intake rejected ${result.rejected?.length} events: ${result.rejected?.[0]?.error.message}`);
    }
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    await exporter.shutdown?.();
    if (peer.violations.length > 0 || peer.received.length !== count) {
      throw new Error(`the intake holds ${peer.received.length} of ${count} entries; violations: ${peer.violations.slice(0, 3).join('; ')}`);
    }
    return {
      name: `datadog (gzip, batch ${batchSize})`,
      eventsPerSecond: count / seconds,
      requestsPerSecond: peer.requests.length / seconds,
      cpuMsPer10kEvents: ((used.user + used.system) / 1000 / count) * 10_000,
      notes: 'the checking intake runs in the same process: its gunzip, parse and per-entry checks are in the CPU figure',
    };
  } finally {
    await peer.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchmark({ events: Number(process.argv[2] ?? 100_000) }));
}
