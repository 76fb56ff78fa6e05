/**
 * The tiered figures of `pnpm bench` (issue 11), on the local nats-server (127.0.0.1:4222,
 * JetStream), each run on a stream of its own:
 * - events/s webhook → edge → JetStream → core → file, against the single-process pipeline
 *   (webhook → file), both fed the same signed deliveries by the generator in this process,
 *   timed from the first delivery to the last event archived;
 * - the core tier alone, one consumer instance and two, on a stream filled beforehand, timed
 *   from the first instance bound to the last event archived;
 * - where the CPU goes in the tiered run (edge, core, nats-server) against the single process:
 *   what the tier spends beyond it is the JetStream round trip.
 * `BENCH_NATS_EVENTS` (20,000) and `BENCH_NATS_CORE_EVENTS` (60,000) scale them.
 */
import { execFileSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deliverWebhooks } from '@ferry/generator';
import { testNats, TEST_SERVERS, type TestNats } from '@ferry/nats/testing';
import { freePort } from '../test/support/ports.js';
import { fmt, runFerry, scratch, type FerryProcess } from './support.js';

const EVENTS = Number(process.env.BENCH_NATS_EVENTS ?? 20_000);
const CORE_EVENTS = Number(process.env.BENCH_NATS_CORE_EVENTS ?? 60_000);
const SECRET = 'whsec_bench';
/** Deliveries in flight: each waits for its event's fsync, so this (not CPU) bounds a webhook path at low values. */
const CONCURRENCY = Number(process.env.BENCH_NATS_CONCURRENCY ?? 256);
const TICKS = 100; // clock ticks per second in /proc/<pid>/stat

/** User + system CPU seconds of a process so far. */
function cpuSeconds(pid: number): number {
  try {
    const stat = execFileSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8' });
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return 0;
  }
}

function natsServerPids(): number[] {
  try {
    return execFileSync('pidof', ['nats-server'], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
  } catch {
    return [];
  }
}
const natsCpu = () => natsServerPids().reduce((sum, pid) => sum + cpuSeconds(pid), 0);

/** Distinct event ids in a file archive, read incrementally (each object once it is in place). */
async function archivedCount(directory: string, seen: Set<string>, read: Set<string>): Promise<number> {
  const walk = async (dir: string): Promise<string[]> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return [];
    }
    const out: string[] = [];
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const path = join(dir, e.name);
      if (e.isDirectory()) out.push(...(await walk(path)));
      else out.push(path);
    }
    return out;
  };
  for (const file of await walk(directory)) {
    if (read.has(file)) continue;
    read.add(file);
    for (const line of (await readFile(file, 'utf8')).split('\n')) {
      const at = line.indexOf('"id":"');
      if (at !== -1) seen.add(line.slice(at + 6, line.indexOf('"', at + 6)));
    }
  }
  return seen.size;
}

async function untilArchived(directories: readonly string[], count: number, runs: readonly FerryProcess[]): Promise<number> {
  const seen = new Set<string>();
  const read = new Set<string>();
  for (;;) {
    let total = 0;
    for (const d of directories) total = await archivedCount(d, seen, read);
    if (total >= count) return Date.now();
    for (const run of runs) if (run.child.exitCode !== null) throw new Error(`ferry exited early:\n${run.stderr().slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function stopAll(runs: readonly FerryProcess[]): Promise<void> {
  for (const run of runs) run.signal('SIGTERM');
  await Promise.all(runs.map((run) => run.exited));
}

interface PathRun {
  readonly perSecond: number;
  readonly cpu: Record<string, number>;
}

/** Writes a config of its own name into the scratch folder (several processes run at once). */
async function configFile(dir: string, name: string, value: unknown): Promise<string> {
  const path = join(dir, `${name}.json`);
  await writeFile(path, JSON.stringify(value));
  return path;
}

const fileExporter = (directory: string) => ({ file: { directory, flushIntervalMs: 50 } });
const service = (receiver: string, exporter: string) => ({ pipelines: { events: { receivers: [receiver], exporters: [exporter] } }, telemetry: { address: null, logs: { format: 'json' } } });

async function feed(port: number): Promise<number> {
  const started = Date.now();
  deliverWebhooks({ url: `http://127.0.0.1:${port}/webhooks/grantex`, secret: SECRET, total: EVENTS, concurrency: CONCURRENCY, seed: 11, retry: { initialDelayMs: 20, maxDelayMs: 200 } });
  return started;
}

async function singleProcess(): Promise<PathRun> {
  const ws = await scratch();
  try {
    const port = await freePort();
    const archive = join(ws.dir, 'archive');
    const run = runFerry(['run', '--config', await ws.config({ storage: { directory: join(ws.dir, 'storage') }, receivers: { webhook: { endpoint: `127.0.0.1:${port}`, secret: SECRET } }, exporters: fileExporter(archive), service: service('webhook', 'file') })]);
    await run.waitFor('listening for webhook deliveries');
    const cpu0 = cpuSeconds(run.pid);
    const started = await feed(port);
    const done = await untilArchived([archive], EVENTS, [run]);
    const cpu = { ferry: cpuSeconds(run.pid) - cpu0 };
    await stopAll([run]);
    return { perSecond: (EVENTS * 1000) / (done - started), cpu };
  } finally {
    await ws.cleanup();
  }
}

async function tiered(t: TestNats): Promise<PathRun> {
  const ws = await scratch();
  const stream = t.name('BENCH_TIER');
  t.own(stream);
  try {
    const port = await freePort();
    const archive = join(ws.dir, 'archive');
    const edge = runFerry(['run', '--config', await configFile(ws.dir, 'edge', {
      storage: { directory: join(ws.dir, 'edge') },
      receivers: { webhook: { endpoint: `127.0.0.1:${port}`, secret: SECRET } },
      exporters: { nats: { servers: TEST_SERVERS, stream, subject: 'bench.tier.<type>', createStream: {} } },
      service: service('webhook', 'nats'),
    })]);
    await edge.waitFor('publishing to JetStream');
    const core = runFerry(['run', '--config', await configFile(ws.dir, 'core', {
      storage: { directory: join(ws.dir, 'core') },
      receivers: { nats: { servers: TEST_SERVERS, stream, consumer: 'core', createConsumer: {} } },
      exporters: fileExporter(archive),
      service: service('nats', 'file'),
    })]);
    await core.waitFor('reading the JetStream consumer');
    const before = { edge: cpuSeconds(edge.pid), core: cpuSeconds(core.pid), nats: natsCpu() };
    const started = await feed(port);
    const done = await untilArchived([archive], EVENTS, [edge, core]);
    const cpu = { edge: cpuSeconds(edge.pid) - before.edge, core: cpuSeconds(core.pid) - before.core, 'nats-server': natsCpu() - before.nats };
    await stopAll([edge, core]);
    return { perSecond: (EVENTS * 1000) / (done - started), cpu };
  } finally {
    await ws.cleanup();
  }
}

/** The core tier alone: a stream filled beforehand, read by `instances` core processes on one consumer. */
async function coreTier(t: TestNats, instances: number): Promise<{ perSecond: number; shares: number[] }> {
  const ws = await scratch();
  const stream = t.name('BENCH_CORE');
  t.own(stream);
  try {
    await t.jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
    const body = (i: number) => Buffer.from(JSON.stringify({ id: `evt_core_${i}`, type: 'grant.created', createdAt: '2026-03-01T12:00:00.000Z', data: { grantId: `grnt_${i}`, scopes: ['calendar:read', 'mail:send'], principal: `user_${i % 977}`, agent: `agent_${i % 31}` } }));
    for (let i = 0; i < CORE_EVENTS; i += 1000) await Promise.all(Array.from({ length: Math.min(1000, CORE_EVENTS - i) }, (_, k) => t.js.publish(`${stream}.grant.created`, body(i + k))));
    const archives = Array.from({ length: instances }, (_, n) => join(ws.dir, `archive-${n}`));
    const runs: FerryProcess[] = [];
    for (const [n, archive] of archives.entries()) {
      runs.push(runFerry(['run', '--config', await configFile(ws.dir, `core-${n}`, {
        storage: { directory: join(ws.dir, `core-${n}`) },
        receivers: { nats: { servers: TEST_SERVERS, stream, consumer: 'core', createConsumer: {} } },
        exporters: fileExporter(archive),
        service: service('nats', 'file'),
      })]));
    }
    // Every instance ready before the clock starts: the first bound starts reading at once, so start them together and time from the first.
    const ready = await Promise.race(runs.map((run) => run.waitFor('reading the JetStream consumer').then(() => Date.now())));
    const done = await untilArchived(archives, CORE_EVENTS, runs);
    const shares = [];
    for (const archive of archives) shares.push(await archivedCount(archive, new Set(), new Set()));
    await stopAll(runs);
    return { perSecond: (CORE_EVENTS * 1000) / (done - ready), shares };
  } finally {
    await ws.cleanup();
  }
}

export async function report(): Promise<string[]> {
  const t = await testNats();
  try {
    const single = await singleProcess();
    const tier = await tiered(t);
    const one = await coreTier(t, 1);
    const two = await coreTier(t, 2);
    const tierCpu = Object.values(tier.cpu).reduce((a, b) => a + b, 0);
    const singleCpu = single.cpu.ferry ?? 0;
    const per10k = (seconds: number, events: number) => `${Math.round((seconds * 1000 * 10_000) / events)} ms`;
    return [
      '',
      `## Beyond one machine: edge → JetStream → core (nats-server ${TEST_SERVERS}, one stream, replicas 1)`,
      `Signed webhook deliveries from the generator in this process (${fmt(EVENTS)} events, ${CONCURRENCY} in flight), from the first delivery to the last event archived.`,
      '',
      '| Path | Events/s | CPU per 10,000 events |',
      '| --- | --- | --- |',
      `| Single process: webhook → file (persistence on) | ${fmt(single.perSecond)} | ${per10k(singleCpu, EVENTS)} |`,
      `| Tiered: webhook → edge → JetStream → core → file | ${fmt(tier.perSecond)} | ${per10k(tierCpu, EVENTS)} (${Object.entries(tier.cpu).map(([k, v]) => `${k} ${per10k(v, EVENTS)}`).join(', ')}) |`,
      '',
      `Tiered / single process: ${(tier.perSecond / single.perSecond).toFixed(2)} (target: ≥ 0.5)`,
      `The JetStream round trip (publish and PubAck, store, fetch and ack, and the core's second durable log) is what the tier spends beyond the single process: ${Math.round(((tierCpu - singleCpu) / tierCpu) * 100)}% of the tiered path's CPU, of which nats-server ${Math.round(((tier.cpu['nats-server'] ?? 0) / tierCpu) * 100)}%.`,
      '',
      `Core tier alone (${fmt(CORE_EVENTS)} events already in the stream → nats receiver → file, from the first instance bound to the last event archived):`,
      '',
      '| Core instances | Events/s | Events each |',
      '| --- | --- | --- |',
      `| 1 | ${fmt(one.perSecond)} | ${one.shares.map(fmt).join(' ')} |`,
      `| 2 | ${fmt(two.perSecond)} | ${two.shares.map(fmt).join(' / ')} |`,
    ];
  } finally {
    await t.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) for (const line of await report()) process.stdout.write(`${line}\n`);
