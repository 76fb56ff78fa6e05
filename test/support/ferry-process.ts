import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const FERRY_BIN = join(ROOT, 'node_modules', '.bin', 'ferry');

/** The real `ferry` binary, run as a child process with its output captured. */
export interface FerryProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit status (or 128 + signal number when killed). */
  readonly exited: Promise<number>;
  /** Resolves when stderr or stdout contains `text`; rejects if the process exits first or after `timeoutMs`. */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
  signal(signal: NodeJS.Signals): void;
}

const SIGNALS: Partial<Record<NodeJS.Signals, number>> = { SIGKILL: 9, SIGTERM: 15, SIGINT: 2 };

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Another installation's binary (default: this repository's). */
  readonly bin?: string;
}

export function runFerry(args: readonly string[], options: RunOptions = {}): FerryProcess {
  const child = spawn(options.bin ?? FERRY_BIN, args, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const l of listeners) l();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    for (const l of listeners) l();
  });
  const exited = new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => {
      resolve(code ?? 128 + (signal ? (SIGNALS[signal] ?? 1) : 1));
      for (const l of listeners) l();
    });
  });
  // Only once its output has ended too is a text that never came never coming: a waitFor
  // still pending then rejects at once, instead of at its timeout.
  let done = false;
  child.on('close', () => {
    done = true;
    for (const l of listeners) l();
  });
  return {
    child,
    pid: child.pid as number,
    stdout: () => out,
    stderr: () => err,
    exited,
    signal: (signal) => child.kill(signal),
    waitFor(text, timeoutMs = 30_000) {
      const found = () => (typeof text === 'string' ? (out + err).includes(text) : text.test(out + err));
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (found()) {
            cleanup();
            resolve();
          } else if (done) {
            cleanup();
            reject(new Error(`ferry exited before printing ${String(text)}\n--- stderr ---\n${err}\n--- stdout ---\n${out}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${String(text)}\n--- stderr ---\n${err}\n--- stdout ---\n${out}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** Runs `ferry <args>` to completion. */
export async function ferry(args: readonly string[], options: RunOptions = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  const run = runFerry(args, options);
  const status = await run.exited;
  return { status, stdout: run.stdout(), stderr: run.stderr() };
}
