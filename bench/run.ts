/**
 * `pnpm bench`: Ferry's figures on this machine, in one run. Timings are reported here,
 * never asserted by a test. `BENCH_EVENTS` (400,000), `BENCH_RUNS` (3) and `BENCH_BACKLOG`
 * (1,000,000) scale the runs; `BENCH_ONLY` (a comma-separated list of pipeline, backlog,
 * datadog, exporters, compliance, telemetry, startup, postgres, nats) runs only those parts.
 */
import { benchmarkPipeline, median, type WholeProcessRun } from './pipeline.js';
import { benchmarkBacklog } from './backlog.js';
import { describeCheck } from './archive-check.js';
import { fmt, mb } from './support.js';

const events = Number(process.env.BENCH_EVENTS ?? 400_000);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const backlog = Number(process.env.BENCH_BACKLOG ?? 1_000_000);
const say = (line: string) => process.stdout.write(`${line}\n`);
const range = (all: readonly WholeProcessRun[]) => `${fmt(Math.min(...all.map((r) => r.perSecond)))}–${fmt(Math.max(...all.map((r) => r.perSecond)))}`;
const checks = (all: readonly WholeProcessRun[]) => {
  const failed = all.filter((r) => !r.check.ok);
  return failed.length === 0 ? 'every run: exactly the events sent' : failed.map((r) => describeCheck(r.check)).join('; ');
};

const only = process.env.BENCH_ONLY?.split(',').map((part) => part.trim());
const wanted = (part: string) => only === undefined || only.includes(part);

say(`# Ferry benchmark — ${new Date().toISOString()} — Node ${process.version}, ${(await import('node:os')).cpus().length} cores, load average ${(await import('node:os')).loadavg()[0]?.toFixed(1)}`);
say('');
if (wanted('pipeline')) {
  const pipeline = await benchmarkPipeline(events, runs);
  const bare = median(pipeline.bare);
  const memory = median(pipeline.memory);
  const persistent = median(pipeline.persistent);
  say(`## Grantex SSE → batch → file, ${fmt(events)} events from the generator, median of ${runs} runs`);
  say('Whole process: from spawning the process to the last event landed on disk (newest ctime in its output), the output then checked against what was served.');
  say('After start: from the process being ready (`collector started` / `connected`) to the same last event.');
  say('');
  say('CPU per event: the process\'s user + system time over the whole run (start-up included), divided by the events; the median of the runs.');
  say('');
  say('| Run | Events/s, whole process (range) | Start-up | Events/s after start | CPU per event | Peak RSS | Output |');
  say('| --- | --- | --- | --- | --- | --- | --- |');
  const cpuPerEvent = (all: readonly WholeProcessRun[]) => [...all.map((r) => (1e6 * r.cpuSeconds) / r.events)].sort((a, b) => a - b)[Math.floor(all.length / 2)] as number;
  const row = (name: string, r: WholeProcessRun, all: readonly WholeProcessRun[]) =>
    say(`| ${name} | ${fmt(r.perSecond)} (${range(all)}) | ${r.startupSeconds.toFixed(2)} s | ${fmt(r.afterStartPerSecond)} | ${cpuPerEvent(all).toFixed(1)} µs | ${mb(r.peakRss)} | ${checks(all)} |`);
  row('Bare loop (read, parse, append; no guarantees)', bare, pipeline.bare);
  row('Ferry, in memory', memory, pipeline.memory);
  row('Ferry, persistence on (fsync per batch)', persistent, pipeline.persistent);
  say('');
  say(`Bare loop / Ferry in memory, whole process: ${(bare.perSecond / memory.perSecond).toFixed(2)}× (target: within 1.5×; floor 3×); after start: ${(bare.afterStartPerSecond / memory.afterStartPerSecond).toFixed(2)}×`);
  say(`CPU per event, Ferry in memory / bare loop: ${(cpuPerEvent(pipeline.memory) / cpuPerEvent(pipeline.bare)).toFixed(2)}× (target: at most 1.3×); with persistence: ${(cpuPerEvent(pipeline.persistent) / cpuPerEvent(pipeline.bare)).toFixed(2)}×`);
  say(`Persistence on / in memory, whole process: ${(persistent.perSecond / memory.perSecond).toFixed(2)} (target: ≥ 0.5)`);
  say(`Peak RSS, Ferry: ${mb(memory.peakRss)} in memory, ${mb(persistent.peakRss)} with persistence (target: under 200 MB)`);
}
if (wanted('backlog')) {
  say('');
  const recovered = await benchmarkBacklog(backlog);
  say(`## A ${fmt(backlog)}-event backlog on disk, the destination down and then back (one process)`);
  say(`Peak RSS while it builds with the destination down: ${mb(recovered.peakRssWhileDown)} (target: under 200 MB)`);
  say(`Recovery, from the destination back to the last event landed: ${recovered.recoverySeconds.toFixed(1)} s (${fmt(recovered.recoveryPerSecond)} events/s; includes up to ${recovered.retryIntervalMs} ms until the next retry), peak RSS ${mb(recovered.peakRssWhileRecovering)}`);
  say(`Archive: ${describeCheck(recovered.check)}`);
}

if (wanted('datadog')) {
  say('');
  for (const line of await (await import('./datadog-path.js')).benchmarkDatadogPath(Number(process.env.BENCH_DATADOG_EVENTS ?? 200_000), runs)) say(line);
}
if (wanted('exporters')) {
  say('');
  for (const line of await (await import('./exporters.js')).report()) say(line);
}
if (wanted('compliance')) for (const line of await (await import('./compliance.js')).report()) say(line);
if (wanted('telemetry')) for (const line of await (await import('./telemetry.js')).report(events, runs)) say(line);
if (wanted('startup')) for (const line of await (await import('./startup.js')).report()) say(line);
if (wanted('postgres')) for (const line of await (await import('./postgres.js')).report()) say(line);
if (wanted('nats')) for (const line of await (await import('./nats.js')).report()) say(line);
