/**
 * The cost of the integrity processor on the whole pipeline (and, from integrity.ts, on
 * the ingest step alone), and `ferry verify`'s speed over a large archive (verify.ts).
 */
import { fmt } from './support.js';
import { ferryRun } from './pipeline.js';
import { describeCheck } from './archive-check.js';
import { benchmark as benchmarkIntegrity } from './integrity.js';
import { benchmark as benchmarkVerify } from './verify.js';

export async function report(): Promise<string[]> {
  const events = Number(process.env.BENCH_EVENTS ?? 200_000);
  // Whole processes, as bench/pipeline.ts times them (spawn to the last event landed).
  const plain = await ferryRun(events, { persistent: true });
  const chained = await ferryRun(events, { persistent: true, integrity: true });
  const without = plain.perSecond;
  const withChain = chained.perSecond;
  const ingest = await benchmarkIntegrity();
  const verify = await benchmarkVerify();
  return [
    '',
    '## Tamper evidence',
    `Whole pipeline (Grantex SSE → batch → file, persistence on, whole process), ${fmt(events)} events: ${fmt(without)} events/s without integrity, ${fmt(withChain)} with an HMAC chain — a cost of ${(100 * (1 - withChain / without)).toFixed(1)}% (target: under 20%)`,
    ...[plain, chained].filter((r) => !r.check.ok).map((r) => `Archive check FAILED: ${describeCheck(r.check)}`),
    `Ingest step alone (process + serialize for the log), ${fmt(ingest.events)} events: ${fmt(ingest.withoutPerSecond)}/s without, ${fmt(ingest.sha256PerSecond)}/s SHA-256 (${ingest.sha256CostPercent.toFixed(0)}%), ${fmt(ingest.hmacPerSecond)}/s HMAC (${ingest.hmacCostPercent.toFixed(0)}%)`,
    `ferry verify over a ${fmt(verify.events)}-event archive (${fmt(verify.objects)} objects): ${fmt(verify.eventsPerSecond)} events/s, ${verify.seconds.toFixed(1)} s, peak RSS ${Math.round(verify.peakRss / 1024 / 1024)} MB`,
  ];
}
