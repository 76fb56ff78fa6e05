import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ferry, ROOT } from '../support/ferry-process.js';
import { archivedEvents, eventually } from '../support/archive.js';
import { workspace } from '../support/workspace.js';

interface Started {
  readonly child: ChildProcess;
  output(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * `pnpm start` as a person runs it in a terminal: in a process group of its own, so that
 * Ctrl-C can be sent the way a terminal sends it, to every process of the group at once.
 */
function pnpmStart(args: string[]): Started {
  const pnpm = process.env.npm_execpath;
  const [command, prefix] = pnpm !== undefined && /pnpm\.c?js$/.test(pnpm) ? [process.execPath, [pnpm]] : ['pnpm', []];
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FERRY_DEMO_RATE: '400' };
  delete env.GRANTEX_API_KEY;
  delete env.GRANTEX_URL;
  const child = spawn(command, [...prefix, 'start', ...args], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-(child.pid as number), 'SIGKILL');
    await exited;
  });
  return { child, output: () => output, exited };
}

/** What a terminal does on Ctrl-C: SIGINT to the whole foreground process group. */
function ctrlC(started: Started): void {
  process.kill(-(started.child.pid as number), 'SIGINT');
}

describe('the README demo (pnpm start)', () => {
  it('stops on Ctrl-C with exit 0 and a summary, makes new events each run, and ferry verify passes on its archive', async () => {
    const ws = await workspace();
    cleanups.push(ws.cleanup);
    // The demo config as it is, in a folder of its own: its relative paths put the storage and
    // the archive next to it, not in the repository's .ferry.
    const config = join(ws.dir, 'collector.config.json');
    await copyFile(join(ROOT, 'collector.config.json'), config);
    const archive = join(ws.dir, '.ferry', 'archive');

    const ids: string[][] = [];
    for (const run of [1, 2]) {
      const before = (await archivedEvents(archive)).length;
      const demo = pnpmStart(['--config', config]);
      await eventually(async () => (await archivedEvents(archive)).length >= before + 200, `events archived in run ${run}`);
      ctrlC(demo);
      expect(await demo.exited).toEqual({ code: 0, signal: null });
      const output = demo.output();
      expect(output).not.toContain('ELIFECYCLE');
      expect(output).toContain(run === 1 ? 'storage: new, in ' : 'storage: resumed ');
      expect(output).toMatch(new RegExp(`this run:\\\\n  file \\(pipeline events\\): [\\d,]+ delivered, 0 queued for the next start, 0 dead-lettered; archive ${archive}`));
      ids.push((await archivedEvents(archive)).slice(before).map((e) => e.id));
    }
    const [first = [], second = []] = ids;
    expect(second.filter((id) => first.includes(id))).toEqual([]);

    const verified = await ferry(['verify', archive]);
    expect(verified.stdout).toContain('records verified');
    expect(verified.status).toBe(0);
  });
});
