/**
 * Where Ferry's time goes on the benchmark's pipeline (Grantex SSE → batch → file): runs the
 * binary under `node --cpu-prof`, then prints the heaviest functions and files by self time.
 * Not part of `pnpm bench`; a tool for finding the hot path.
 *
 *   pnpm tsx bench/profile.ts [--persistent] [--integrity] [--cache-bytes=N]   (BENCH_EVENTS, default 400,000)
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startGenerator } from '@ferry/generator';
import { binaryNodeFlags, FERRY_SCRIPT, scratch } from './support.js';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const events = Number(process.env.BENCH_EVENTS ?? 400_000);
const persistent = process.argv.includes('--persistent');
const chained = process.argv.includes('--integrity');
const cacheArg = process.argv.find((a) => a.startsWith('--cache-bytes='));
const cacheBytes = cacheArg === undefined ? {} : { cacheBytes: Number(cacheArg.slice('--cache-bytes='.length)) };
const chain = chained ? { integrity: { writerId: 'profile', secret: 'profile-chain-secret-0123' } } : {};
const generator = await startGenerator({ apiKey: 'k', mode: 'pull', total: events, seed: 1, keepDelivered: false });
const work = await scratch();
const profiles = join(process.cwd(), '.tmp', 'profiles', String(Date.now()));
await mkdir(profiles, { recursive: true });
const config = await work.config({
      ...(persistent ? { storage: { directory: join(work.dir, 'storage'), ...cacheBytes } } : {}),
      receivers: { grantex: { url: generator.url, apiKey: 'k' } },
      processors: { ...chain, batch: { batchSize: 5000, flushIntervalMs: 200 } },
      exporters: { file: { directory: join(work.dir, 'archive') } },
      service: { pipelines: { events: { receivers: ['grantex'], processors: [...Object.keys(chain), 'batch'], exporters: ['file'] } }, telemetry: { progress: 'always' } },
});
// As the binary's shebang runs it, plus the profiler (which NODE_OPTIONS may not carry).
const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profiles}`, ...binaryNodeFlags(), FERRY_SCRIPT, 'run', '--config', config], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
const done = `file: sent ${events.toLocaleString('en-US')}`;
let stderr = '';
await new Promise<void>((resolve, reject) => {
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4096);
    if (stderr.includes(done)) resolve();
  });
  void exited.then(() => reject(new Error(`ferry exited before "${done}":\n${stderr}`)));
});
child.kill('SIGTERM');
await exited;
await generator.close();
await work.cleanup();

const name = (await readdir(profiles)).find((n) => n.endsWith('.cpuprofile'));
if (name === undefined) throw new Error(`no profile written to ${profiles}`);
const profile = JSON.parse(await readFile(join(profiles, name), 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const frame = (byId.get(id) as ProfileNode).callFrame;
  const micros = profile.timeDeltas[i] ?? 0;
  total += micros;
  const file = frame.url.replace(/^file:\/\/.*?\/(node_modules\/\.pnpm\/[^/]+\/node_modules\/|packages\/|plugins\/)/, '$1') || '(native)';
  const fn = `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
  byFile.set(file, (byFile.get(file) ?? 0) + micros);
});
const top = (map: Map<string, number>, n: number) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([key, micros]) => `  ${(micros / 1000).toFixed(0).padStart(7)} ms ${((100 * micros) / total).toFixed(1).padStart(5)}%  ${key}`)
    .join('\n');
process.stdout.write(`${persistent ? 'persistence on' : 'in memory'}, ${events.toLocaleString('en-US')} events, ${(total / 1000).toFixed(0)} ms sampled (${join(profiles, name)})\n`);
process.stdout.write(`self time by function:\n${top(byFunction, 30)}\nself time by file:\n${top(byFile, 20)}\n`);
