/**
 * Ferry's pipeline under different V8 flags, against the bare loop, in interleaved
 * whole-process rounds (the pipeline of `pnpm bench`: Grantex SSE → batch → file): for each
 * set of flags, the median CPU per event over the bare loop's in the same round, each
 * round's ratio, and the peak RSS of every run. Not part of `pnpm bench`; the tool behind
 * the flags in the binary's shebang. Each argument is one set of flags, run as
 * `node <flags> ferry.js`; "shipped" stands for the shebang's own.
 *
 *   pnpm tsx bench/node-flags.ts shipped "--max-old-space-size=384" [--persistent] [--integrity]
 *   (BENCH_EVENTS, default 400,000; BENCH_RUNS rounds, default 4)
 *
 * With --integrity, each round also runs every flag set with an HMAC chain (persistence on,
 * as `pnpm bench` measures the chain's cost), and each set's cost of the chain is printed.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bareLoop, ferryRun, type WholeProcessRun } from './pipeline.js';
import { binaryNodeFlags, FERRY_SCRIPT } from './support.js';

const events = Number(process.env.BENCH_EVENTS ?? 400_000);
const rounds = Number(process.env.BENCH_RUNS ?? 4);
const chained = process.argv.includes('--integrity');
const persistent = chained || process.argv.includes('--persistent');
const sets = process.argv.slice(2).filter((arg) => arg !== '--persistent' && arg !== '--integrity');
if (sets.length === 0) sets.push('shipped');

const dir = await mkdtemp(join(tmpdir(), 'ferry-flags-'));
const quote = (part: string) => `'${part.replaceAll("'", "'\\''")}'`;
const bins = await Promise.all(
  sets.map(async (set, i) => {
    const flags = set === 'shipped' ? binaryNodeFlags() : set.split(/\s+/).filter(Boolean);
    const bin = join(dir, `ferry-${i}`);
    await writeFile(bin, `#!/bin/sh\nexec ${quote(process.execPath)} ${flags.map(quote).join(' ')} ${quote(FERRY_SCRIPT)} "$@"\n`);
    await chmod(bin, 0o755);
    return { name: set === 'shipped' ? `shipped (${flags.join(' ')})` : set, bin };
  }),
);

const perEvent = (run: WholeProcessRun) => (run.cpuSeconds * 1e6) / events;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const bare: WholeProcessRun[] = [];
const ferry: WholeProcessRun[][] = bins.map(() => []);
const withChain: WholeProcessRun[][] = bins.map(() => []);
try {
  for (let round = 0; round < rounds; round++) {
    bare.push(await bareLoop(events));
    for (const [i, { bin }] of bins.entries()) {
      (ferry[i] as WholeProcessRun[]).push(await ferryRun(events, { persistent, bin }));
      if (chained) (withChain[i] as WholeProcessRun[]).push(await ferryRun(events, { persistent, integrity: true, bin }));
    }
    process.stderr.write(`round ${round + 1} of ${rounds} done\n`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

const mb = (run: WholeProcessRun) => Math.round(run.peakRss / 1e6);
process.stdout.write(`${persistent ? 'Persistence on' : 'In memory'}, ${events.toLocaleString('en-US')} events, ${rounds} interleaved rounds\n\n`);
process.stdout.write('| Run | CPU per event (median) | / bare loop (median; per round) | Peak RSS |\n| --- | --- | --- | --- |\n');
process.stdout.write(`| bare loop | ${median(bare.map(perEvent)).toFixed(2)} µs | 1 | ${bare.map(mb).join(', ')} MB |\n`);
for (const [i, { name }] of bins.entries()) {
  const runs = ferry[i] as WholeProcessRun[];
  const ratios = runs.map((run, r) => run.cpuSeconds / (bare[r] as WholeProcessRun).cpuSeconds);
  process.stdout.write(`| ${name} | ${median(runs.map(perEvent)).toFixed(2)} µs | ${median(ratios).toFixed(2)}× (${ratios.map((x) => x.toFixed(2)).join(', ')}) | ${runs.map(mb).join(', ')} MB |\n`);
}
if (chained) {
  process.stdout.write('\n| Run | Events/s without the chain / with it (medians) | Cost of the chain | Peak RSS with it |\n| --- | --- | --- | --- |\n');
  for (const [i, { name }] of bins.entries()) {
    const plain = median((ferry[i] as WholeProcessRun[]).map((run) => run.perSecond));
    const chain = median((withChain[i] as WholeProcessRun[]).map((run) => run.perSecond));
    process.stdout.write(`| ${name} | ${Math.round(plain).toLocaleString('en-US')} / ${Math.round(chain).toLocaleString('en-US')} | ${(100 * (1 - chain / plain)).toFixed(1)}% | ${(withChain[i] as WholeProcessRun[]).map(mb).join(', ')} MB |\n`);
  }
}
