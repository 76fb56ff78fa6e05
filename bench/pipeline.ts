/**
 * Throughput of Grantex SSE → batch → file, whole processes: Ferry (in memory, and with
 * persistence) against a bare loop that only reads the same stream, parses each event and
 * appends it to a file. Each is timed the same way — from spawning its process to the last
 * event landing on disk (the newest ctime among the files it wrote: the file exporter
 * renames each object into place, which sets it) — and each run's output is then checked
 * against what the generator served: every event exactly once, unaltered.
 *
 * Beside it, the rate "after start": from the process saying it is ready (Ferry's
 * `collector started`, the bare loop's `connected`) to the same last event; the whole
 * figure minus the start-up (Node, plugin loading, config validation, storage recovery).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { startGenerator } from '@ferry/generator';
import { checkArchive, expectedEvents, type ArchiveCheck } from './archive-check.js';
import { peakRss, runFerry, scratch } from './support.js';

export interface WholeProcessRun {
  readonly events: number;
  /** Spawn to the last event landed. */
  readonly seconds: number;
  readonly perSecond: number;
  /** Spawn to "ready" (the start-up the whole figure includes). */
  readonly startupSeconds: number;
  /** Ready to the last event landed. */
  readonly afterStartPerSecond: number;
  readonly peakRss: number;
  /** CPU time the process used (user + system), less sensitive than wall time to other work on the machine. */
  readonly cpuSeconds: number;
  readonly check: ArchiveCheck;
}

const SEED = 1;
const BARE_LOOP_SOURCE = fileURLToPath(new URL('./bare-loop.ts', import.meta.url));

/** The bare loop as one JavaScript file (eventsource-parser bundled in), compiled before the clock starts. */
async function bareLoopProgram(directory: string): Promise<string> {
  const outfile = join(directory, 'bare-loop.mjs');
  await build({ entryPoints: [BARE_LOOP_SOURCE], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning' });
  return outfile;
}

function figures(events: number, spawnedMs: number, readyMs: number, check: ArchiveCheck, peak: number, cpuSeconds: number): WholeProcessRun {
  const seconds = (check.lastLandedMs - spawnedMs) / 1000;
  return { events, seconds, perSecond: events / seconds, startupSeconds: (readyMs - spawnedMs) / 1000, afterStartPerSecond: events / ((check.lastLandedMs - readyMs) / 1000), peakRss: peak, cpuSeconds, check };
}

/** User + system CPU seconds a running process has used so far (Linux). */
async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces, so split after its ')'): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export async function bareLoop(events: number): Promise<WholeProcessRun> {
  const generator = await startGenerator({ apiKey: 'k', mode: 'pull', total: events, seed: SEED, keepDelivered: false });
  const work = await scratch();
  try {
    const program = await bareLoopProgram(work.dir);
    const output = join(work.dir, 'out', 'bare.ndjson');
    await mkdir(join(work.dir, 'out'));
    const spawnedMs = Date.now();
    const child = spawn(process.execPath, [program, `${generator.url}/v1/events/stream`, 'k', String(events), output], { stdio: ['ignore', 'ignore', 'pipe'] });
    let readyMs = 0;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      if (readyMs === 0) readyMs = Date.now();
      stderr += chunk.toString();
    });
    const exited = once(child, 'exit') as Promise<[number | null]>;
    const peak = await peakRss(child.pid as number, exited);
    const [code] = await exited;
    if (code !== 0) throw new Error(`the bare loop exited with ${code}: ${stderr}`);
    const cpu = Number(/cpu ([\d.]+) s/.exec(stderr)?.[1] ?? Number.NaN);
    return figures(events, spawnedMs, readyMs, await checkArchive(join(work.dir, 'out'), expectedEvents(SEED, events)), peak, cpu);
  } finally {
    await generator.close();
    await work.cleanup();
  }
}

/** Ferry on Grantex SSE → [integrity →] batch → file, spawn to last event landed. */
export async function ferryRun(events: number, options: { persistent: boolean; integrity?: boolean; telemetry?: { address: string | null }; whileRunning?: () => () => void; bin?: string }): Promise<WholeProcessRun> {
  const chain = options.integrity ? { integrity: { writerId: 'bench', secret: 'bench-chain-secret-0123' } } : {};
  const generator = await startGenerator({ apiKey: 'k', mode: 'pull', total: events, seed: SEED, keepDelivered: false });
  const work = await scratch();
  try {
    const archive = join(work.dir, 'archive');
    const config = await work.config({
      ...(options.persistent ? { storage: { directory: join(work.dir, 'storage') } } : {}),
      receivers: { grantex: { url: generator.url, apiKey: 'k' } },
      processors: { ...chain, batch: { batchSize: 5000, flushIntervalMs: 200 } },
      exporters: { file: { directory: archive } },
      // The progress line only tells the bench when to stop waiting; the time comes from the archive.
      service: { pipelines: { events: { receivers: ['grantex'], processors: [...Object.keys(chain), 'batch'], exporters: ['file'] } }, telemetry: { progress: 'always', ...options.telemetry } },
    });
    const spawnedMs = Date.now();
    const run = runFerry(['run', '--config', config], options.bin === undefined ? {} : { bin: options.bin });
    let readyMs = 0;
    // Work alongside the run (a scraper), from spawn to the last event, like everything timed here.
    const stopAlongside = options.whileRunning?.();
    const ready = run.waitFor('collector started').then(() => (readyMs = Date.now()));
    const sent = run.waitFor(`file: sent ${events.toLocaleString('en-US')}`, 600_000);
    const peak = await peakRss(run.pid, sent);
    await Promise.all([ready, sent]);
    stopAlongside?.();
    const cpu = await cpuSecondsOf(run.pid);
    run.signal('SIGTERM');
    await run.exited;
    return figures(events, spawnedMs, readyMs, await checkArchive(archive, expectedEvents(SEED, events)), peak, cpu);
  } finally {
    await generator.close();
    await work.cleanup();
  }
}

export interface PipelineResult {
  readonly events: number;
  readonly runs: number;
  readonly bare: readonly WholeProcessRun[];
  readonly memory: readonly WholeProcessRun[];
  readonly persistent: readonly WholeProcessRun[];
}

/**
 * `runs` rounds of the three, interleaved so that a noisy moment of the machine hits all of
 * them alike; `only` leaves some out (when measuring one change).
 */
export async function benchmarkPipeline(events: number, runs: number, only: readonly string[] = ['bare', 'memory', 'persistent']): Promise<PipelineResult> {
  const bare: WholeProcessRun[] = [];
  const memory: WholeProcessRun[] = [];
  const persistent: WholeProcessRun[] = [];
  for (let i = 0; i < runs; i++) {
    if (only.includes('bare')) bare.push(await bareLoop(events));
    if (only.includes('memory')) memory.push(await ferryRun(events, { persistent: false }));
    if (only.includes('persistent')) persistent.push(await ferryRun(events, { persistent: true }));
  }
  return { events, runs, bare, memory, persistent };
}

/** The run with the median whole-process rate. */
export function median(runs: readonly WholeProcessRun[]): WholeProcessRun {
  return [...runs].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(runs.length / 2)] as WholeProcessRun;
}
