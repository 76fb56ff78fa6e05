/**
 * The Datadog path side by side (issue 15): Grantex SSE → Datadog Logs intake, batch 100,
 * gzip, 4 requests in flight — a bare loop doing the same work with no guarantees
 * (bench/bare-datadog.ts, the shape of `@grantex/destinations`: a failed request's events
 * are dropped) against Ferry in memory; healthy, and with 10% of requests answering 500 at
 * random (seeded). Whole process: from spawn to the last entry received by the local
 * intake (Ferry) or to the loop's exit once its last request was answered (bare loop). CPU
 * time from /proc (Ferry) or process.cpuUsage (bare loop), per event delivered or dropped.
 *
 *   tsx bench/datadog-path.ts [events] [runs]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { startGenerator } from '@ferry/generator';
import { startDatadogPeer, type DatadogPeer, type PeerFault } from '../plugins/exporter-datadog/src/testing/index.js';
import { fmt, mb, peakRss, runFerry, scratch } from './support.js';

const KEY = 'bench0123456789abcdef0123456789a';
const EXPECT = { source: 'grantex', service: 'grantex', hostname: 'grantex-auth-service', tags: [] };

export interface PathRun {
  readonly label: string;
  readonly events: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly cpuMicrosPerEvent: number;
  readonly peakRss: number;
  /** Distinct events the intake holds. */
  readonly delivered: number;
}

/** One answer per request, 10% of them a 500, chosen with a seeded generator so each run fails the same requests. */
function failingPlan(requests: number, seed: number): PeerFault[] {
  let state = seed;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  return Array.from({ length: requests }, () => (random() < 0.1 ? { status: 500 } : { status: 202 }));
}

async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function distinct(peer: DatadogPeer): number {
  return new Set(peer.received.map((e) => (JSON.parse(e.message) as { id: string }).id)).size;
}

async function withPeer<T>(failing: boolean, events: number, run: (peer: DatadogPeer, url: string) => Promise<T>): Promise<T> {
  const generator = await startGenerator({ apiKey: 'k', mode: 'pull', total: events, seed: 15, keepDelivered: false });
  const peer = await startDatadogPeer({ apiKey: KEY, expect: EXPECT });
  // Enough answers for every request and its retries; past them the intake accepts.
  if (failing) peer.faults.push(...failingPlan(Math.ceil((events / 100) * 1.3), 7));
  try {
    return await run(peer, `${generator.url}/v1/events/stream`);
  } finally {
    await peer.close();
    await generator.close();
  }
}

export async function bareLoop(events: number, failing: boolean): Promise<PathRun> {
  const work = await scratch();
  try {
    const program = join(work.dir, 'bare-datadog.mjs');
    await build({ entryPoints: [fileURLToPath(new URL('./bare-datadog.ts', import.meta.url))], outfile: program, bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning' });
    return await withPeer(failing, events, async (peer, stream) => {
      const started = Date.now();
      const child = spawn(process.execPath, [program, stream, 'k', String(events), peer.endpoint, 'gzip'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = once(child, 'exit') as Promise<[number | null]>;
      const peak = await peakRss(child.pid as number, exited);
      const [code] = await exited;
      if (code !== 0) throw new Error(`the bare loop exited with ${code}: ${stderr}`);
      const seconds = (Date.now() - started) / 1000;
      const cpu = Number(/cpu ([\d.]+) s/.exec(stderr)?.[1] ?? Number.NaN);
      return { label: `bare loop (gzip, 4 in flight, no retries)${failing ? ', 10% of requests failing' : ''}`, events, seconds, perSecond: events / seconds, cpuMicrosPerEvent: (cpu * 1e6) / events, peakRss: peak, delivered: distinct(peer) };
    });
  } finally {
    await work.cleanup();
  }
}

export async function ferryRun(events: number, failing: boolean, compression: 'gzip' | 'none' = 'gzip'): Promise<PathRun> {
  const work = await scratch();
  try {
    return await withPeer(failing, events, async (peer, stream) => {
      const config = await work.config({
        receivers: { grantex: { url: stream.replace(/\/v1\/events\/stream$/, ''), apiKey: 'k' } },
        exporters: { datadog: { apiKey: KEY, endpoint: peer.endpoint, compression, retry: { initialIntervalMs: 100, maxIntervalMs: 1000 } } },
        service: { pipelines: { events: { receivers: ['grantex'], exporters: ['datadog'] } }, telemetry: { progress: 'never', address: null } },
      });
      const started = Date.now();
      const run = runFerry(['run', '--config', config]);
      const all = (async () => {
        for (;;) {
          if (run.child.exitCode !== null) throw new Error(`ferry exited: ${run.stderr().slice(-2000)}`);
          if (peer.received.length >= events && distinct(peer) >= events) return;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
      const peak = await peakRss(run.pid, all);
      await all;
      const seconds = (Date.now() - started) / 1000;
      const cpu = await cpuSecondsOf(run.pid);
      run.signal('SIGTERM');
      await run.exited;
      return { label: `Ferry in memory (${compression === 'gzip' ? 'gzip' : 'no compression'}, up to 4 in flight, retries)${failing ? ', 10% of requests failing' : ''}`, events, seconds, perSecond: events / seconds, cpuMicrosPerEvent: (cpu * 1e6) / events, peakRss: peak, delivered: distinct(peer) };
    });
  } finally {
    await work.cleanup();
  }
}

function medianOf(runs: readonly PathRun[]): PathRun {
  return [...runs].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(runs.length / 2)] as PathRun;
}

/** Each row's runs interleaved with the others', median by events/s. */
export async function benchmarkDatadogPath(events: number, runs: number): Promise<string[]> {
  const rows: Array<{ make: () => Promise<PathRun>; results: PathRun[] }> = [
    { make: () => bareLoop(events, false), results: [] },
    { make: () => ferryRun(events, false), results: [] },
    { make: () => ferryRun(events, false, 'none'), results: [] },
    { make: () => bareLoop(events, true), results: [] },
    { make: () => ferryRun(events, true), results: [] },
  ];
  for (let i = 0; i < runs; i++) for (const row of rows) row.results.push(await row.make());
  const [bare, healthy, , bareFailing, failing] = rows.map((r) => medianOf(r.results)) as [PathRun, PathRun, PathRun, PathRun, PathRun];
  const lines = [
    `## Grantex SSE → Datadog intake (local peer), ${fmt(events)} events, median of ${runs}`,
    '| Run | Events/s, whole process | CPU per event | Peak RSS | Delivered |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map(({ results }) => {
      const r = medianOf(results);
      return `| ${r.label} | ${fmt(r.perSecond)} | ${r.cpuMicrosPerEvent.toFixed(1)} µs | ${mb(r.peakRss)} | ${fmt(r.delivered)} of ${fmt(r.events)} |`;
    }),
    `With 10% of requests failing, Ferry keeps ${((failing.perSecond / healthy.perSecond) * 100).toFixed(0)}% of its healthy rate (target: at least 80%) and delivers ${fmt(failing.delivered)} of ${fmt(events)}; the bare loop keeps ${fmt(bareFailing.delivered)}.`,
    `CPU per event, Ferry / bare loop: ${(healthy.cpuMicrosPerEvent / bare.cpuMicrosPerEvent).toFixed(2)}× (target: at most 1.3×).`,
  ];
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of await benchmarkDatadogPath(Number(process.argv[2] ?? 200_000), Number(process.argv[3] ?? 1))) console.log(line);
}
