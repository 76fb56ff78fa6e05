/**
 * Where Ferry's CPU goes by thread, and what its garbage collector does, on the benchmark's
 * pipeline (Grantex SSE → batch → file, in memory unless --persistent): runs the binary once
 * and reads, when the archive reports the last event sent, each thread's user + system time
 * from /proc/<pid>/task (the main thread, V8's four platform threads — concurrent marking,
 * parallel scavenging, background compilation — and libuv's pool), the high-water mark of
 * RSS, and with --gc V8's own account of each collection (`--trace-gc-nvp`): scavenges,
 * mark-compacts, and the bytes promoted to the old generation. The bare loop of
 * `bench/bare-loop.ts` run with --bare gives the same figures for comparison.
 * Not part of `pnpm bench`; a tool for finding where CPU goes outside the profiler's view
 * (`bench/profile.ts` samples the main thread only).
 *
 *   pnpm tsx bench/threads.ts [--persistent] [--integrity] [--gc] [--bare] [--node-flags="--max-semi-space-size=8"]
 *   (BENCH_EVENTS, default 400,000)
 */
import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { startGenerator } from '@ferry/generator';
import { binaryNodeFlags, FERRY_SCRIPT, scratch } from './support.js';

const events = Number(process.env.BENCH_EVENTS ?? 400_000);
const flag = (name: string) => process.argv.includes(`--${name}`);
const nodeFlags = (process.argv.find((a) => a.startsWith('--node-flags='))?.slice('--node-flags='.length) ?? '').split(' ').filter(Boolean);
const gc = flag('gc');

/** User + system seconds of each thread of a running process, main thread first. */
async function threadSeconds(pid: number): Promise<number[]> {
  const tasks = (await readdir(`/proc/${pid}/task`)).map(Number).sort((a, b) => a - b);
  const seconds: number[] = [];
  for (const task of tasks) {
    const stat = await readFile(`/proc/${pid}/task/${task}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    seconds.push((Number(fields[11]) + Number(fields[12])) / 100);
  }
  return seconds;
}

/** The generator, then the program (Ferry's binary or the bare loop), until `done(stderr)`. */
async function measure(args: (url: string, dir: string) => Promise<string[]>, done: (stderr: string) => boolean) {
  const generator = await startGenerator({ apiKey: 'k', mode: 'pull', total: events, seed: 1, keepDelivered: false });
  const work = await scratch();
  try {
    const started = Date.now();
    const child = spawn(process.execPath, [...nodeFlags, ...(gc ? ['--trace-gc-nvp'] : []), ...(await args(generator.url, work.dir))], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let trace = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (trace += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-8192);
        if (done(stderr)) resolve();
      });
      void exited.then(() => (done(stderr) ? resolve() : reject(new Error(`the program exited early:\n${stderr}`))));
    });
    const seconds = (Date.now() - started) / 1000;
    // A program already exiting (the bare loop, which then reports itself) may have no /proc entries left.
    const threads = await threadSeconds(child.pid as number).catch(() => undefined);
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
    child.kill('SIGTERM');
    await exited;
    return { seconds, threads, peakKb: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN), trace, stderr };
  } finally {
    await generator.close();
    await work.cleanup();
  }
}

/**
 * Put before the bare loop, which exits as soon as it is done: at exit it prints what
 * /proc says of its threads and its RSS high-water mark (stderr is a pipe, written at once).
 */
const HOLD_AT_EXIT = `import { readdirSync as __tasks, readFileSync as __read } from 'node:fs';
process.on('exit', () => {
  const seconds = __tasks('/proc/self/task').map(Number).sort((a, b) => a - b).map((task) => {
    const stat = __read('/proc/self/task/' + task + '/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  });
  const peak = /VmHWM:\\s+(\\d+)/.exec(__read('/proc/self/status', 'utf8'))?.[1];
  process.stderr.write('threads ' + JSON.stringify(seconds) + ' peak ' + peak + '\\n');
});`;

/** Sums `--trace-gc-nvp` lines: collections by kind, and bytes promoted by scavenges. */
function gcSummary(trace: string): string {
  let scavenges = 0;
  let markCompacts = 0;
  let promoted = 0;
  for (const line of trace.split('\n')) {
    if (line.includes(' gc=s ')) {
      scavenges++;
      promoted += Number(/ promoted=(\d+)/.exec(line)?.[1] ?? 0);
    } else if (line.includes(' gc=mc ')) markCompacts++;
  }
  return `${scavenges} scavenges promoting ${(promoted / 1e6).toFixed(0)} MB to the old generation, ${markCompacts} mark-compacts`;
}

const bare = flag('bare');
const result = bare
  ? await measure(
      async (url, dir) => {
        const program = join(dir, 'bare-loop.mjs');
        await build({ entryPoints: [fileURLToPath(new URL('./bare-loop.ts', import.meta.url))], outfile: program, bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning', banner: { js: HOLD_AT_EXIT } });
        return [program, `${url}/v1/events/stream`, 'k', String(events), join(dir, 'bare.ndjson')];
      },
      (stderr) => stderr.includes('threads ['),
    )
  : await measure(
      async (url, dir) => {
        const chain = flag('integrity') ? { integrity: { writerId: 'threads', secret: 'threads-chain-secret-0123' } } : {};
        const config = join(dir, 'config.json');
        await writeFile(config, JSON.stringify({
          ...(flag('persistent') ? { storage: { directory: join(dir, 'storage') } } : {}),
          receivers: { grantex: { url, apiKey: 'k' } },
          processors: { ...chain, batch: { batchSize: 5000, flushIntervalMs: 200 } },
          exporters: { file: { directory: join(dir, 'archive') } },
          service: { pipelines: { events: { receivers: ['grantex'], processors: [...Object.keys(chain), 'batch'], exporters: ['file'] } }, telemetry: { progress: 'always' } },
        }));
        return [...binaryNodeFlags(), FERRY_SCRIPT, 'run', '--config', config];
      },
      (stderr) => stderr.includes(`file: sent ${events.toLocaleString('en-US')}`),
    );

const atExit = /threads (\[[^\]]*\]) peak (\d+)/.exec(result.stderr);
// The bare loop reports itself as it exits (its /proc entries may already be going).
const threads = atExit !== null ? (JSON.parse(atExit[1] as string) as number[]) : (result.threads ?? []);
const peakKb = atExit !== null ? Number(atExit[2]) : result.peakKb;
const [main = 0, , ...rest] = threads;
// Node 20 starts, after the main thread, an inspector thread, V8's four platform threads and libuv's pool of four.
const v8 = rest.slice(0, 4).reduce((a, b) => a + b, 0);
const others = rest.slice(4).reduce((a, b) => a + b, 0);
const total = threads.reduce((a, b) => a + b, 0);
const perEvent = (s: number) => `${((s * 1e6) / events).toFixed(1)} µs`;
process.stdout.write(
  `${bare ? 'bare loop' : `Ferry${flag('persistent') ? ', persistence on' : ', in memory'}${flag('integrity') ? ', integrity' : ''}`}, ${events.toLocaleString('en-US')} events in ${result.seconds.toFixed(2)} s${nodeFlags.length > 0 ? ` (node ${nodeFlags.join(' ')})` : ''}\n` +
    `CPU ${total.toFixed(2)} s (${perEvent(total)} an event): main thread ${main.toFixed(2)} s, V8's platform threads ${v8.toFixed(2)} s, libuv's pool and others ${others.toFixed(2)} s\n` +
    `peak RSS ${Math.round(peakKb / 1024)} MB\n` +
    (gc ? `GC: ${gcSummary(result.trace)}\n` : ''),
);
