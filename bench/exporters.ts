/**
 * Each production exporter against its local protocol peer, at its default batch size:
 * events and requests per second, and CPU time per 10,000 events (so a regression in
 * encoding shows even when the network hides it).
 */
import { createBatch, type Exporter, type ExporterDefinition, type FerryEvent, type TObject } from '@ferry/sdk';
import { createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import { createEventFactory } from '@ferry/generator';
import s3 from '@ferry/exporter-s3';
import bigquery from '@ferry/exporter-bigquery';
import datadog from '@ferry/exporter-datadog';
import { startS3Peer } from '@ferry/exporter-s3/testing';
import { startBigQueryPeer } from '@ferry/exporter-bigquery/testing';
import { startDatadogIntake } from '@ferry/exporter-datadog/testing';
import { fmt } from './support.js';

interface Figures {
  readonly name: string;
  readonly batchSize: number;
  readonly eventsPerSecond: number;
  readonly requestsPerSecond: number;
  readonly cpuMsPer10k: number;
}

async function measure(name: string, definition: ExporterDefinition<TObject>, config: unknown, events: FerryEvent[], requests: () => number): Promise<Figures> {
  const batchSize = definition.batchDefaults?.batchSize ?? 1000;
  const exporter: Exporter = definition.create(createTestContext(resolveConfig(definition.configSchema, config)));
  await exporter.start?.();
  const before = requests();
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let at = 0, seq = 0; at < events.length; at += batchSize, seq++) {
    await exporter.export(createBatch({ events: events.slice(at, at + batchSize), firstSeq: at, receivedAt: Date.now() }), { signal: new AbortController().signal, attempt: 1 });
  }
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  await exporter.shutdown?.();
  return { name, batchSize, eventsPerSecond: events.length / seconds, requestsPerSecond: (requests() - before) / seconds, cpuMsPer10k: ((used.user + used.system) / 1000 / events.length) * 10_000 };
}

export async function report(): Promise<string[]> {
  const count = Number(process.env.BENCH_EXPORTER_EVENTS ?? 50_000);
  const factory = createEventFactory({ seed: 9 });
  const events = Array.from({ length: count }, () => factory.next());
  const s3Peer = await startS3Peer({ buckets: ['bench-archive'] });
  const bqPeer = await startBigQueryPeer({ project: 'bench', dataset: 'grantex', tables: ['events'] });
  const ddPeer = await startDatadogIntake({ apiKey: 'bench-key-0123456789' });
  const figures: Figures[] = [];
  try {
    figures.push(await measure('s3 (gzip)', s3, { bucket: 'bench-archive', endpoint: s3Peer.endpoint, forcePathStyle: true, compression: 'gzip' }, events, () => s3Peer.requests.puts));
    figures.push(await measure('bigquery', bigquery, { projectId: 'bench', datasetId: 'grantex', tableId: 'events', apiEndpoint: bqPeer.url, anonymous: true }, events, () => bqPeer.insertRequests.length));
    figures.push(await measure('datadog (gzip)', datadog, { apiKey: 'bench-key-0123456789', endpoint: ddPeer.url }, events, () => ddPeer.requests.length));
  } finally {
    await s3Peer.close();
    await bqPeer.close();
    await ddPeer.close();
  }
  return [
    '',
    `## Exporters against their local protocol peers, ${fmt(count)} events, default batch sizes`,
    '| Exporter | Batch | Events/s | Requests/s | CPU ms per 10,000 events |',
    '| --- | --- | --- | --- | --- |',
    ...figures.map((f) => `| ${f.name} | ${f.batchSize} | ${fmt(f.eventsPerSecond)} | ${fmt(f.requestsPerSecond)} | ${f.cpuMsPer10k.toFixed(0)} |`),
    '(the peers run in the same process and are included in the CPU time)',
  ];
}
