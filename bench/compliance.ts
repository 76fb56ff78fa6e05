/**
 * The cost of the integrity processor on the whole pipeline (and, from integrity.ts, on
 * the ingest step alone), and `ferry verify`'s speed over a large archive (verify.ts).
 */
import { join as joinPath } from 'node:path';
import { startGenerator } from '@ferry/generator';
import { runFerry, scratch, untilSent, fmt } from './support.js';
import { benchmark as benchmarkIntegrity } from './integrity.js';
import { benchmark as benchmarkVerify } from './verify.js';

async function pipelineRate(events: number, withIntegrity: boolean): Promise<number> {
  const generator = await startGenerator({ apiKey: 'k', total: events, seed: 1 });
  const work = await scratch();
  try {
    const run = runFerry([
      'run',
      '--config',
      await work.config({
        storage: { directory: joinPath(work.dir, 'storage') },
        receivers: { grantex: { url: generator.url, apiKey: 'k' } },
        processors: { ...(withIntegrity ? { integrity: { writerId: 'bench', secret: 'bench-chain-secret-0123' } } : {}), batch: { batchSize: 5000, flushIntervalMs: 200 } },
        exporters: { file: { directory: joinPath(work.dir, 'archive') } },
        service: { pipelines: { events: { receivers: ['grantex'], processors: [...(withIntegrity ? ['integrity'] : []), 'batch'], exporters: ['file'] } }, telemetry: { progress: 'always' } },
      }),
    ]);
    await run.waitFor('collector started');
    const started = performance.now();
    await untilSent(run, 'file', events);
    const rate = events / ((performance.now() - started) / 1000);
    run.signal('SIGTERM');
    await run.exited;
    return rate;
  } finally {
    await generator.close();
    await work.cleanup();
  }
}

export async function report(): Promise<string[]> {
  const events = Number(process.env.BENCH_EVENTS ?? 200_000);
  const without = await pipelineRate(events, false);
  const withChain = await pipelineRate(events, true);
  const ingest = await benchmarkIntegrity();
  const verify = await benchmarkVerify();
  return [
    '',
    '## Tamper evidence',
    `Whole pipeline (Grantex SSE → batch → file, persistence on), ${fmt(events)} events: ${fmt(without)} events/s without integrity, ${fmt(withChain)} with an HMAC chain — a cost of ${(100 * (1 - withChain / without)).toFixed(1)}% (target: under 20%)`,
    `Ingest step alone (process + serialize for the log), ${fmt(ingest.events)} events: ${fmt(ingest.withoutPerSecond)}/s without, ${fmt(ingest.sha256PerSecond)}/s SHA-256 (${ingest.sha256CostPercent.toFixed(0)}%), ${fmt(ingest.hmacPerSecond)}/s HMAC (${ingest.hmacCostPercent.toFixed(0)}%)`,
    `ferry verify over a ${fmt(verify.events)}-event archive (${fmt(verify.objects)} objects): ${fmt(verify.eventsPerSecond)} events/s, ${verify.seconds.toFixed(1)} s, peak RSS ${Math.round(verify.peakRss / 1024 / 1024)} MB`,
  ];
}
