/**
 * How long the `ferry` command takes to answer, spawn to exit: `--help` and `--version`
 * (which load no plugin) and `validate` on the demo config (which loads only the plugins it
 * uses). Run alone with `tsx bench/startup.ts`; `pnpm bench` includes it.
 */
import { join } from 'node:path';
import { ROOT } from '../test/support/ferry-process.js';
import { ferry } from './support.js';

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

/** Markdown lines: median and fastest of RUNS runs of each command, after one warm-up run. */
export async function report(): Promise<string[]> {
  const lines = ['', `## Start-up of the ferry command, spawn to exit (median and fastest of ${RUNS} runs)`, '', '| Command | Median | Fastest |', '| --- | --- | --- |'];
  for (const { name, args } of COMMANDS) {
    await timeOnce(args);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) times.push(await timeOnce(args));
    times.sort((a, b) => a - b);
    lines.push(`| \`${name}\` | ${Math.round(times[Math.floor(times.length / 2)] ?? 0)} ms | ${Math.round(times[0] ?? 0)} ms |`);
  }
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) for (const line of await report()) process.stdout.write(`${line}\n`);
