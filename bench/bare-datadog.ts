/**
 * The bare loop for the Datadog path, as a program of its own: read the Grantex SSE
 * stream, parse each event, map it to a Logs API v2 entry the way `@grantex/destinations`
 * does (ddsource, ddtags, hostname, service, message = the event's JSON), batch 100, gzip,
 * POST with keep-alive, 4 requests in flight. No retries: a failed request's events are
 * dropped, as the package Ferry replaces drops them. `pnpm bench` compiles it with esbuild
 * and runs it with plain `node`.
 *
 *   node bare-datadog.mjs <stream url> <api key> <events> <intake url> <gzip|none>
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { sseData } from './bare-stream.js';

const [url, apiKey, total, intake, compression] = process.argv.slice(2);
if (url === undefined || apiKey === undefined || total === undefined || intake === undefined) {
  process.stderr.write('usage: bare-datadog <stream url> <api key> <events> <intake url> <gzip|none>\n');
  process.exit(2);
}
const compress = promisify(gzip);
const wanted = Number(total);
const BATCH = 100;
const IN_FLIGHT = 4;
let seen = 0;
let delivered = 0;
let failed = 0;
let batch: string[] = [];
const pending = new Set<Promise<void>>();

async function post(entries: string[]): Promise<void> {
  const json = `[${entries.join(',')}]`;
  const body = compression === 'none' ? Buffer.from(json) : await compress(json);
  try {
    const response = await fetch(intake as string, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'dd-api-key': 'bench0123456789abcdef0123456789a', ...(compression === 'none' ? {} : { 'content-encoding': 'gzip' }) },
      body,
    });
    await response.arrayBuffer();
    if (response.ok) delivered += entries.length;
    else failed += entries.length;
  } catch {
    failed += entries.length;
  }
}

async function flush(): Promise<void> {
  const entries = batch;
  batch = [];
  while (pending.size >= IN_FLIGHT) await Promise.race(pending);
  const request = post(entries).finally(() => pending.delete(request));
  pending.add(request);
}

for await (const data of sseData(url, apiKey)) {
  for (const text of data) {
    const event = JSON.parse(text) as { id: string; type: string };
    batch.push(JSON.stringify({ ddsource: 'grantex', ddtags: `type:${event.type}`, hostname: 'grantex-auth-service', service: 'grantex', message: JSON.stringify(event) }));
    seen++;
    if (batch.length === BATCH) await flush();
  }
  if (seen >= wanted) break;
}
if (batch.length > 0) await flush();
await Promise.all(pending);
const cpu = process.cpuUsage();
process.stderr.write(`read ${seen}, delivered ${delivered}, dropped ${failed}, cpu ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s\n`);
process.exit(0);
