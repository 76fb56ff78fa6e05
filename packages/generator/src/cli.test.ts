import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FerryEvent } from '@ferry/sdk';
import { openStream, until } from './testing.js';

// The installed command, which runs the compiled dist/ (built by `pnpm build`, as `pnpm test` does first).
const BIN = fileURLToPath(new URL('../bin/ferry-generator.js', import.meta.url));

interface Run {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exit: Promise<number | null>;
}
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
function run(args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const result: Run = {
    child,
    stdout: '',
    stderr: '',
    exit: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (result.stdout += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (result.stderr += text));
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return result;
}

describe('ferry-generator', () => {
  it('explains itself', async () => {
    const help = run(['--help']);
    expect(await help.exit).toBe(0);
    expect(help.stdout).toContain('serve');
    expect(help.stdout).toContain('webhook');
    expect(help.stdout).toContain('grant.created');
    const serveHelp = run(['serve', '--help']);
    expect(await serveHelp.exit).toBe(0);
    for (const option of ['--api-key', '--mode', '--rate', '--connected-comment', '--total', '--seed', '--types', '--record', '--drop-after']) expect(serveHelp.stdout).toContain(option);
  });

  it('serve: answers on the printed URL, records what it delivered, and exits cleanly on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-generator-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const record = join(dir, 'sent.ndjson');
    const serve = run(['serve', '--port', '0', '--mode', 'pull', '--total', '40', '--seed', '7', '--types', 'grant.created,token.issued', '--record', record], { GRANTEX_API_KEY: 'cli-key' });
    await until(() => /serving Grantex SSE on (\S+)\n/.test(serve.stdout), 'the serving line');
    const url = /serving Grantex SSE on (\S+)\n/.exec(serve.stdout)![1]!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await openStream(`${url}/v1/events/stream`, 'wrong').status).toBe(401);
    const client = openStream(`${url}/v1/events/stream`, 'cli-key');
    cleanups.push(() => client.close());
    await until(() => client.messages.length === 40, 'the forty events');
    const received = client.messages.map((m) => JSON.parse(m.data) as FerryEvent);
    expect(new Set(received.map((e) => e.type))).toEqual(new Set(['grant.created', 'token.issued']));
    serve.child.kill('SIGTERM');
    expect(await serve.exit).toBe(0);
    expect(serve.stdout).toContain('stopped after delivering 40 events');
    const recorded = (await readFile(record, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as FerryEvent);
    expect(recorded).toEqual(received);
  });

  it('serve: refuses a bad number with a clear message', async () => {
    const serve = run(['serve', '--api-key', 'k', '--port', 'eighty']);
    expect(await serve.exit).not.toBe(0);
    expect(serve.stderr).toContain('expected a whole number');
  });

  it('serve: refuses a broadcast timeline that would publish nothing, pointing at pull mode', async () => {
    const serve = run(['serve', '--api-key', 'k', '--port', '0', '--rate', '0']);
    expect(await serve.exit).not.toBe(0);
    expect(serve.stderr).toContain('use --mode pull');
  });

  it('webhook: delivers signed events until acknowledged and prints a summary', async () => {
    let calls = 0;
    const hook = createServer((request, response) => {
      request.resume();
      calls++;
      response.writeHead(calls === 1 ? 503 : 200, { 'retry-after': '0' }).end();
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => hook.close(resolve)));
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/webhooks/grantex`;
    const webhook = run(['webhook', '--url', url, '--total', '5', '--concurrency', '1'], { GRANTEX_WEBHOOK_SECRET: 'whsec_cli' });
    expect(await webhook.exit).toBe(0);
    expect(webhook.stdout).toContain('webhooks: 5 of 5 acknowledged in 6 attempts (200: 5, 503: 1)');
  });
});
