/**
 * Each production exporter against its local protocol peer, at its default batch size:
 * events and requests per second, and CPU time per 10,000 events (so a regression in
 * encoding shows even when the network hides it). One file per exporter in exporters/.
 */
import { fmt } from './support.js';
import { benchmark as s3 } from './exporters/s3.js';
import { benchmark as bigquery } from './exporters/bigquery.js';
import { benchmark as datadog } from './exporters/datadog.js';
import { benchmark as http } from './exporters/http.js';
import { benchmark as splunkHec } from './exporters/splunk-hec.js';
import { benchmark as otlp } from './exporters/otlp.js';

export async function report(): Promise<string[]> {
  const events = Number(process.env.BENCH_EXPORTER_EVENTS ?? 100_000);
  const figures = [await s3({ events }), await bigquery({ events }), await datadog({ events }), await http({ events }), await splunkHec({ events }), await otlp({ events })];
  return [
    '',
    `## Exporters against their local protocol peers, ${fmt(events)} events, default batch sizes`,
    '| Exporter | Events/s | Requests/s | CPU ms per 10,000 events |',
    '| --- | --- | --- | --- |',
    ...figures.map((f) => `| ${f.name} | ${fmt(f.eventsPerSecond)} | ${fmt(f.requestsPerSecond)} | ${f.cpuMsPer10kEvents.toFixed(0)} |`),
    '(the checking peers run in the same process and are counted in the CPU time)',
  ];
}
