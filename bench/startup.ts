/**
 * How long the `ferry` command takes to answer, spawn to exit: `--help` and `--version`
 * (which load no plugin) and `validate` on the demo config (which loads only the plugins it
 * uses); and `ferry run` on the demo config from spawn to the Grantex stream connected (the
 * generator in this process, the storage and archive in a scratch folder). Each with the
 * compiled validators cached (the second start on) and with `FERRY_CACHE_DIR=off` (a first
 * start). Run alone with `tsx bench/startup.ts`; `pnpm bench` includes it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startGenerator } from '@ferry/generator';
import { ROOT } from '../test/support/ferry-process.js';
import { ferry, runFerry, scratch } from './support.js';

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 15);

const COMMANDS: ReadonlyArray<{ name: string; args: string[] }> = [
  { name: 'ferry --help', args: ['--help'] },
  { name: 'ferry --version', args: ['--version'] },
  { name: 'ferry validate (the demo config)', args: ['validate', '--config', join(ROOT, 'collector.config.json')] },
];

async function timeOnce(args: string[]): Promise<number> {
  const started = performance.now();
  const result = await ferry(args, { env: { GRANTEX_API_KEY: 'bench' } });
  if (result.status !== 0) throw new Error(`ferry ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return performance.now() - started;
}

/** Spawn to `connected to the Grantex event stream`, then SIGTERM. */
async function timeToConnected(config: string, env: Record<string, string>): Promise<number> {
  const started = performance.now();
  const run = runFerry(['run', '--config', config], { env });
  await run.waitFor('connected to the Grantex event stream', 30_000);
  const ms = performance.now() - started;
  run.signal('SIGTERM');
  await run.exited;
  return ms;
}

function row(name: string, times: number[]): string {
  times.sort((a, b) => a - b);
  return `| ${name} | ${Math.round(times[Math.floor(times.length / 2)] ?? 0)} ms | ${Math.round(times[0] ?? 0)} ms |`;
}

/** Markdown lines: median and fastest of RUNS runs of each command, after one warm-up run. */
export async function report(): Promise<string[]> {
  const lines = ['', `## Start-up of the ferry command (median and fastest of ${RUNS} runs)`, '', '| Command | Median | Fastest |', '| --- | --- | --- |'];
  for (const { name, args } of COMMANDS) {
    await timeOnce(args);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) times.push(await timeOnce(args));
    lines.push(row(`\`${name}\`, spawn to exit`, times));
  }
  const work = await scratch();
  const generator = await startGenerator({ apiKey: 'k', mode: 'pull', total: 1 });
  try {
    const demo = JSON.parse(await readFile(join(ROOT, 'collector.config.json'), 'utf8')) as { receivers: Record<string, unknown>; storage: { directory: string }; exporters: { file: { directory: string } }; service: Record<string, unknown> };
    demo.receivers.grantex = { url: generator.url, apiKey: 'k' };
    demo.storage.directory = join(work.dir, 'storage');
    demo.exporters.file.directory = join(work.dir, 'archive');
    demo.service.telemetry = { progress: 'never' };
    const config = await work.config(demo);
    for (const [name, env] of [
      ['`ferry run` on the demo config, spawn to connected', { FERRY_CACHE_DIR: join(work.dir, 'cache') }],
      ['the same, no cache of compiled validators (a first start)', { FERRY_CACHE_DIR: 'off' }],
    ] as const) {
      await timeToConnected(config, env);
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) times.push(await timeToConnected(config, env));
      lines.push(row(name, times));
    }
  } finally {
    await generator.close();
    await work.cleanup();
  }
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) for (const line of await report()) process.stdout.write(`${line}\n`);
