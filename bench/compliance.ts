/**
 * Evidence an auditor accepts, measured: what the `integrity` processor costs the whole
 * pipeline (and, from integrity.ts, the ingest step alone), and `ferry verify`'s speed and
 * peak RSS over a large archive (verify.ts). Ferry's peak RSS in memory mode is in the
 * pipeline table of run.ts.
 */
import { fmt, mb } from './support.js';
import { ferryRun, median, type WholeProcessRun } from './pipeline.js';
import { describeCheck } from './archive-check.js';
import { benchmark as benchmarkIntegrity } from './integrity.js';
import { benchmark as benchmarkVerify } from './verify.js';

export async function report(): Promise<string[]> {
  const events = Number(process.env.BENCH_EVENTS ?? 400_000);
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  // Whole processes, as bench/pipeline.ts times them (spawn to the last event landed),
  // interleaved so a noisy moment of the machine hits both alike.
  const plain: WholeProcessRun[] = [];
  const chained: WholeProcessRun[] = [];
  for (let i = 0; i < runs; i++) {
    plain.push(await ferryRun(events, { persistent: true }));
    chained.push(await ferryRun(events, { persistent: true, integrity: true }));
  }
  const without = median(plain);
  const withChain = median(chained);
  const cpu = (all: readonly WholeProcessRun[]) => [...all.map((r) => r.cpuSeconds)].sort((a, b) => a - b)[Math.floor(all.length / 2)] as number;
  // This machine's speed drifts by up to a third between minutes (the same run's CPU time
  // too), so each round's pair is compared on its own: the cost is the median of the rounds'.
  const roundCosts = plain.map((p, i) => 1 - (chained[i] as WholeProcessRun).perSecond / p.perSecond).sort((a, b) => a - b);
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const ingest = await benchmarkIntegrity();
  const verify = await benchmarkVerify();
  return [
    '',
    '## Tamper evidence',
    `Whole pipeline (Grantex SSE → batch → file, persistence on, whole process), ${fmt(events)} events, median of ${runs}: ${fmt(without.perSecond)} events/s without integrity, ${fmt(withChain.perSecond)} with an HMAC chain — a cost of ${(100 * (1 - withChain.perSecond / without.perSecond)).toFixed(1)}% of throughput (target: under 15%); CPU ${cpu(plain).toFixed(1)} s → ${cpu(chained).toFixed(1)} s (the chain is built and hashed on the receiving thread)`,
    `Cost per round (each run with the chain against the run without it just before): median ${pct(roundCosts[Math.floor(runs / 2)] as number)}, range ${pct(roundCosts[0] as number)}–${pct(roundCosts[runs - 1] as number)}`,
    ...[...plain, ...chained].filter((r) => !r.check.ok).map((r) => `Archive check FAILED: ${describeCheck(r.check)}`),
    `The processor alone (process + snapshot, events already decoded), ${fmt(ingest.events)} events: ${(1e6 / ingest.sha256PerSecond).toFixed(2)} µs an event with SHA-256 (${fmt(ingest.sha256PerSecond)}/s), ${(1e6 / ingest.hmacPerSecond).toFixed(2)} µs with HMAC (${fmt(ingest.hmacPerSecond)}/s)`,
    `ferry verify (the binary, spawn to exit) over a ${fmt(verify.events)}-event archive (${fmt(verify.objects)} gzip objects, HMAC chain): ${fmt(verify.eventsPerSecond)} events/s, ${verify.seconds.toFixed(1)} s, peak RSS ${mb(verify.peakRss)} (targets: ≥ 150,000 events/s, ≤ 150 MB)`,
  ];
}
