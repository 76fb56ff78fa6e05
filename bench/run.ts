/**
 * `pnpm bench`: Ferry's figures on this machine, in one run. Timings are reported here,
 * never asserted by a test. `BENCH_EVENTS` and `BENCH_BACKLOG` scale the runs.
 */
import { benchmarkPipeline } from './pipeline.js';
import { benchmarkBacklog } from './backlog.js';
import { fmt, mb } from './support.js';

const events = Number(process.env.BENCH_EVENTS ?? 200_000);
const backlog = Number(process.env.BENCH_BACKLOG ?? 1_000_000);
const lines: string[] = [];
const say = (line: string) => {
  lines.push(line);
  process.stdout.write(`${line}\n`);
};

say(`# Ferry benchmark — ${new Date().toISOString()} — Node ${process.version}, ${(await import('node:os')).cpus().length} cores`);
say('');
const pipeline = await benchmarkPipeline(events);
say(`## Grantex SSE → batch → file, ${fmt(events)} events from the generator`);
say('| Run | Events/s | Peak RSS |');
say('| --- | --- | --- |');
say(`| Bare loop (read, parse, append; no guarantees) | ${fmt(pipeline.bareLoopPerSecond)} | — |`);
say(`| Ferry, in memory | ${fmt(pipeline.memoryPerSecond)} | ${mb(pipeline.memoryPeakRss)} |`);
say(`| Ferry, persistence on (fsync per batch) | ${fmt(pipeline.persistentPerSecond)} | ${mb(pipeline.persistentPeakRss)} |`);
say(`Bare loop / Ferry in memory: ${(pipeline.bareLoopPerSecond / pipeline.memoryPerSecond).toFixed(2)}× (target: within 3×)`);
say(`Persistence on / off: ${(pipeline.persistentPerSecond / pipeline.memoryPerSecond).toFixed(2)} (target: ≥ 0.5)`);
say('');
const recovered = await benchmarkBacklog(backlog);
say(`## A ${fmt(backlog)}-event backlog on disk`);
say(`Peak RSS while it builds with the destination down: ${mb(recovered.peakRssWhileDown)} (target: under 200 MB)`);
say(`Recovery after a restart: ${recovered.recoverySeconds.toFixed(1)} s (${fmt(recovered.recoveryPerSecond)} events/s), peak RSS ${mb(recovered.peakRssWhileRecovering)}`);

for (const line of await (await import('./exporters.js')).report()) say(line);
for (const line of await (await import('./compliance.js')).report()) say(line);
