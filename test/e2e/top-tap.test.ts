import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { startGenerator, type GeneratorServer } from '@ferry/generator';
import type { FerryEvent } from '@ferry/sdk';
import { FERRY_BIN, ferry as ferryOnce, runFerry, type FerryProcess } from '../support/ferry-process.js';
import { archivedEvents, eventually } from '../support/archive.js';
import { workspace } from '../support/workspace.js';
import { freePort } from '../support/ports.js';
import { telemetryAt } from '../support/telemetry.js';

const exec = promisify(execFile);
const KEY = 'top-tap-key';
const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A pipeline with a redacting processor, running, with its telemetry server on a free port. */
async function running(): Promise<{ port: number; source: GeneratorServer; run: FerryProcess; archive: string }> {
  const ws = await workspace();
  cleanups.push(ws.cleanup);
  const source = await startGenerator({ apiKey: KEY, rate: 200, seed: 81 });
  cleanups.push(() => source.close());
  const port = await freePort();
  const archive = join(ws.dir, 'archive');
  const run = runFerry([
    'run',
    '--config',
    await ws.config({
      receivers: { grantex: { url: source.url, apiKey: KEY } },
      processors: { redact: { rules: [{ types: ['*'], remove: ['data.principalName'] }] }, batch: { batchSize: 50, flushIntervalMs: 100 } },
      exporters: { file: { directory: archive } },
      service: { pipelines: { events: { receivers: ['grantex'], processors: ['redact', 'batch'], exporters: ['file'] } }, telemetry: { address: `127.0.0.1:${port}` } },
    }),
  ]);
  cleanups.push(async () => {
    if (run.child.exitCode === null) run.signal('SIGKILL');
    await run.exited;
  });
  await eventually(async () => (await telemetryAt(port).probe('/readyz')).status === 200, 'ferry to be ready');
  return { port, source, run, archive };
}

describe('ferry tap', () => {
  it('prints events passing a component as they flow, as stored (after redact), one JSON object per line', async () => {
    const { port, source, run, archive } = await running();
    for (const component of ['exporter:file', 'grantex', 'processor:redact']) {
      const tapped = await ferryOnce(['tap', component, '--address', `127.0.0.1:${port}`, '--count', '5', '--limit', '3', '--interval', '100']);
      expect([component, tapped.status, tapped.stderr]).toEqual([component, 0, `ferry: tapping ${component.includes(':') ? component : `receiver:${component}`} at http://127.0.0.1:${port} (Ctrl-C to stop)\n`]);
      const lines = tapped.stdout.trim().split('\n').map((line) => JSON.parse(line) as { component: string; pipeline: string; event: FerryEvent });
      expect(lines).toHaveLength(5);
      const sent = new Map(source.delivered.map((e) => [e.id, e]));
      for (const { pipeline, event } of lines) {
        expect(pipeline).toBe('events');
        // Exactly as stored: the event the source sent, redacted, whatever component is tapped.
        const { principalName: _removed, ...kept } = (sent.get(event.id)?.data ?? {}) as Record<string, unknown>;
        expect(event).toEqual({ ...sent.get(event.id), data: kept });
      }
    }
    const archived = new Set((await archivedEvents(archive)).map((e) => e.id));
    expect(archived.size).toBeGreaterThan(0);

    const unknown = await ferryOnce(['tap', 'nope', '--address', `127.0.0.1:${port}`]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toBe('ferry: the server answered 404: no running component "nope"; running: receiver:grantex, processor:redact, processor:batch, exporter:file\n');
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
    const gone = await ferryOnce(['tap', 'file', '--address', `127.0.0.1:${port}`]);
    expect([gone.status, gone.stderr]).toEqual([1, `ferry: nothing answers at http://127.0.0.1:${port}: is \`ferry run\` running with service.telemetry.address there? (--address, FERRY_TELEMETRY_ADDRESS)\n`]);
  });
});

describe('ferry top', () => {
  it('renders the running pipeline in a terminal and redraws it in place as events flow; q quits', async () => {
    const { port, run } = await running();
    const session = `ferry-top-${process.pid}-${port}`;
    await exec('tmux', ['new-session', '-d', '-s', session, '-x', '160', '-y', '30', `${FERRY_BIN} top --address 127.0.0.1:${port} --interval 200`]);
    cleanups.push(() => exec('tmux', ['kill-session', '-t', session]).catch(() => undefined));
    const screen = async () => (await exec('tmux', ['capture-pane', '-p', '-t', session])).stdout;
    const received = (text: string) => Number(/receiver:grantex\s+\*\s+ok\s+([\d,]+) in/.exec(text)?.[1]?.replace(/,/g, '') ?? NaN);
    await eventually(async () => Number.isFinite(received(await screen())), 'the first screen', 20_000);
    const first = await screen();
    expect(first).toContain(`ferry 0.1.0 at http://127.0.0.1:${port} · ok · up`);
    expect(first).toMatch(/COMPONENT\s+PIPELINE\s+STATUS\s+EVENTS\s+EVENTS\/S\s+QUEUED\s+LAG\s+RETRIED\s+DEAD-LETTERED\s+LOST\s+FAILED ATTEMPTS/);
    expect(first).toMatch(/processor:redact\s+events\s+ok/);
    expect(first).toMatch(/exporter:file\s+events\s+ok\s+[\d,]+ sent/);
    expect(first).toContain('log of pipeline events:');
    // In place: one header however many redraws, and the figures move.
    await eventually(async () => received(await screen()) > received(first), 'the figures to move');
    expect((await screen()).match(/COMPONENT/g)).toHaveLength(1);
    await exec('tmux', ['send-keys', '-t', session, 'q']);
    await eventually(async () => (await exec('tmux', ['has-session', '-t', session]).then(() => false, () => true)), 'ferry top to quit on q');
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
  });
});
