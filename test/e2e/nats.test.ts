import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deliverWebhooks, startGenerator, type GeneratorServer } from '@ferry/generator';
import { startDatadogIntake, type DatadogIntake } from '@ferry/exporter-datadog/testing';
import type { FerryEvent } from '@ferry/sdk';
import { testNats, TEST_SERVERS, type TestNats } from '@ferry/nats/testing';
import { ferry as ferryCommand, runFerry, type FerryProcess } from '../support/ferry-process.js';
import { archivedEvents, eventually } from '../support/archive.js';
import { expectBooksBalanced } from '../support/books.js';
import { freePort } from '../support/ports.js';
import { workspace } from '../support/workspace.js';

const SECRET = 'whsec_tier';
const CHAIN_SECRET = 'chain-secret-tier';
const DD_KEY = 'dd0123456789abcdef0123456789abcd';

let t: TestNats;
beforeAll(async () => {
  t = await testNats();
});
afterAll(() => t?.close());
const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function start(config: string, env: NodeJS.ProcessEnv = {}): FerryProcess {
  const run = runFerry(['run', '--config', config], { env });
  cleanups.push(async () => {
    if (run.child.exitCode === null && run.child.signalCode === null) {
      run.signal('SIGCONT');
      run.signal('SIGKILL');
    }
    await run.exited;
  });
  return run;
}

async function stop(run: FerryProcess): Promise<void> {
  run.signal('SIGTERM');
  expect(await run.exited, run.stderr().slice(-3000)).toBe(0);
}

const idsOf = (events: readonly FerryEvent[]) => events.map((e) => e.id);
const duplicatesIn = (ids: readonly string[]) => ids.length - new Set(ids).size;

describe('beyond one process: edge → JetStream → core, through the real binary and nats-server', () => {
  it('two edges and two cores, one of each killed with -9 mid-run and restarted: every acknowledged event reaches the archive and Datadog, JetStream holds each once, duplicates bounded, every chain verifies', async () => {
    const ws = await workspace();
    cleanups.push(ws.cleanup);
    const datadog: DatadogIntake = await startDatadogIntake({ apiKey: DD_KEY });
    cleanups.push(() => datadog.close());
    const stream = t.name('TIER');
    t.own(stream);
    const subject = `${stream.toLowerCase()}.events.<type>`;
    const archive = join(ws.dir, 'archive');
    const ports = [await freePort(), await freePort()];
    const edges = await Promise.all(
      ['a', 'b'].map((name, i) =>
        ws.config(
          {
            storage: { directory: join(ws.dir, `edge-${name}`) },
            receivers: { webhook: { endpoint: `127.0.0.1:${ports[i]}`, secret: SECRET } },
            exporters: { nats: { servers: TEST_SERVERS, stream, subject, createStream: { duplicateWindowMs: 120_000 }, flushIntervalMs: 20, retry: { initialIntervalMs: 50, maxIntervalMs: 300 } } },
            service: { pipelines: { events: { receivers: ['webhook'], exporters: ['nats'] } }, shutdownTimeoutMs: 5000, telemetry: { logs: { format: 'json' } } },
          },
          `edge-${name}.json`,
        ),
      ),
    );
    const batchSize = 100;
    const cores = await Promise.all(
      ['a', 'b'].map((name) =>
        ws.config(
          {
            storage: { directory: join(ws.dir, `core-${name}`) },
            receivers: { nats: { servers: TEST_SERVERS, stream, consumer: 'core', createConsumer: { ackWaitMs: 2000, maxAckPending: 1000 }, batchSize } },
            processors: { integrity: { writerId: `core-${name}`, secret: '${env:FERRY_CHAIN_SECRET}' } },
            exporters: {
              file: { directory: archive, flushIntervalMs: 50 },
              datadog: { apiKey: '${env:DD_API_KEY}', endpoint: datadog.url, flushIntervalMs: 50, retry: { initialIntervalMs: 50, maxIntervalMs: 300 } },
            },
            service: { pipelines: { events: { receivers: ['nats'], processors: ['integrity'], exporters: ['file', 'datadog'] } }, shutdownTimeoutMs: 5000, telemetry: { logs: { format: 'json' } } },
          },
          `core-${name}.json`,
        ),
      ),
    );
    const env = { FERRY_CHAIN_SECRET: CHAIN_SECRET, DD_API_KEY: DD_KEY };
    const edgeRuns = edges.map((config) => start(config));
    await Promise.all(edgeRuns.map((run) => run.waitFor('publishing to JetStream')));
    const coreRuns = cores.map((config) => start(config, env));
    await Promise.all(coreRuns.map((run) => run.waitFor('reading the JetStream consumer')));

    // Grantex delivers each event to one edge (a load balancer's choice) and retries until it answers 2xx.
    const deliveries = ports.map((port, i) =>
      deliverWebhooks({ url: `http://127.0.0.1:${port}/webhooks/grantex`, secret: SECRET, total: 800, rate: 300, concurrency: 4, seed: 70 + i, retry: { initialDelayMs: 50, maxDelayMs: 300 }, requestTimeoutMs: 3000 }),
    );
    cleanups.push(() => Promise.all(deliveries.map((d) => d.stop())));
    const acknowledgedCount = () => deliveries.reduce((n, d) => n + d.acknowledged.length, 0);
    await eventually(() => acknowledgedCount() > 500, 'a first part acknowledged', 30_000);
    edgeRuns[0]?.signal('SIGKILL');
    coreRuns[1]?.signal('SIGKILL');
    expect(await edgeRuns[0]?.exited).toBe(137);
    expect(await coreRuns[1]?.exited).toBe(137);
    edgeRuns[0] = start(edges[0] as string);
    coreRuns[1] = start(cores[1] as string, env);
    await Promise.all([edgeRuns[0].waitFor('publishing to JetStream'), coreRuns[1].waitFor('reading the JetStream consumer')]);
    await Promise.all(deliveries.map((d) => d.done));

    const acknowledged = new Set(deliveries.flatMap((d) => idsOf(d.acknowledged)));
    expect(acknowledged.size).toBe(1600);
    const inDatadog = () => datadog.received.map((e) => (JSON.parse(e.message) as FerryEvent).id);
    await eventually(async () => {
      const archived = new Set(idsOf(await archivedEvents(archive)));
      const logged = new Set(inDatadog());
      return [...acknowledged].every((id) => archived.has(id) && logged.has(id));
    }, 'every acknowledged event in the archive and in Datadog', 60_000);
    for (const run of [...edgeRuns, ...coreRuns]) await stop(run);
    for (const run of edgeRuns) expectBooksBalanced(run, ['nats']);
    for (const run of coreRuns) expectBooksBalanced(run, ['file', 'datadog']);

    // JetStream absorbed what the killed edge sent again: each acknowledged event is in the stream once.
    const info = await t.jsm.streams.info(stream);
    expect(info.state.messages).toBe(acknowledged.size);
    // Only what the killed core held unacknowledged (at most two batches) can arrive twice.
    const archivedIds = idsOf(await archivedEvents(archive));
    expect(new Set(archivedIds)).toEqual(acknowledged);
    const duplicates = { archive: duplicatesIn(archivedIds), datadog: duplicatesIn(inDatadog()) };
    expect(duplicates.archive).toBeLessThanOrEqual(2 * batchSize);
    expect(duplicates.datadog).toBeLessThanOrEqual(2 * batchSize);
    const verified = await ferryCommand(['verify', archive], { env: { FERRY_VERIFY_SECRET: CHAIN_SECRET } });
    expect(verified.stdout).toContain('core-a');
    expect(verified.stdout).toContain('core-b');
    expect(verified.stdout).not.toContain('BROKEN');
    expect(verified.status, verified.stdout).toBe(0);
    console.log(`tier: ${acknowledged.size} acknowledged, ${info.state.messages} in JetStream; duplicates after kill -9: archive ${duplicates.archive}, Datadog ${duplicates.datadog}`);
  }, 120_000);

  it('two cores on one consumer share the stream about half each and together take all of it once; a message that is no event is dead-lettered with its bytes', async () => {
    const ws = await workspace();
    cleanups.push(ws.cleanup);
    const stream = t.name('SHARE');
    t.own(stream);
    await t.jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
    const configs = await Promise.all(
      ['a', 'b'].map((name) =>
        ws.config(
          {
            storage: { directory: join(ws.dir, `core-${name}`) },
            receivers: { nats: { servers: TEST_SERVERS, stream, consumer: 'core', createConsumer: { ackWaitMs: 5000 }, batchSize: 50 } },
            exporters: { file: { directory: join(ws.dir, `archive-${name}`), flushIntervalMs: 50 } },
            service: { pipelines: { events: { receivers: ['nats'], exporters: ['file'] } }, shutdownTimeoutMs: 5000, telemetry: { logs: { format: 'json' } } },
          },
          `core-${name}.json`,
        ),
      ),
    );
    const runs = configs.map((config) => start(config));
    await Promise.all(runs.map((run) => run.waitFor('reading the JetStream consumer')));
    const total = 3000;
    const published = Array.from({ length: total }, (_, i) => ({ id: `evt_share_${i}`, type: 'grant.created', createdAt: '2026-03-01T12:00:00Z', data: { i } }));
    const poison = Buffer.from([0x7b, 0x22, 0xff, 0x00, 0x7d]);
    for (let i = 0; i < total; i += 500) await Promise.all(published.slice(i, i + 500).map((e) => t.js.publish(`${stream}.grant.created`, Buffer.from(JSON.stringify(e)))));
    await t.js.publish(`${stream}.garbage`, poison);
    const archives = ['a', 'b'].map((name) => join(ws.dir, `archive-${name}`));
    const shares = async () => Promise.all(archives.map(async (a) => idsOf(await archivedEvents(a))));
    await eventually(async () => (await shares()).flat().length >= total, 'every event archived by one core or the other', 60_000);
    for (const run of runs) await stop(run);
    for (const run of runs) expectBooksBalanced(run, ['file']);
    const [a = [], b = []] = await shares();
    expect(new Set([...a, ...b])).toEqual(new Set(idsOf(published)));
    expect(a.length + b.length).toBe(total);
    // Competing consumers: each took a real share (on 2 cores, scheduling makes it uneven, never one-sided).
    expect(Math.min(a.length, b.length)).toBeGreaterThan(total * 0.2);
    const letters = (await Promise.all(['a', 'b'].map((name) => readFile(join(ws.dir, `core-${name}`, 'deadletters', 'receivers', 'nats.ndjson'), 'utf8').catch(() => ''))))
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { receiver: string; reason: string; bytes: string; source: { stream: string; subject: string } });
    expect(letters).toHaveLength(1);
    expect(Buffer.from(letters[0]?.bytes ?? '', 'base64')).toEqual(poison);
    expect(letters[0]).toMatchObject({ receiver: 'nats', reason: 'not UTF-8 text', source: { stream, subject: `${stream}.garbage` } });
    const holder = (await readFile(join(ws.dir, 'core-a', 'deadletters', 'receivers', 'nats.ndjson'), 'utf8').then(() => 'a', () => 'b'));
    const listed = await ferryCommand(['dlq', 'list', '--config', configs[holder === 'a' ? 0 : 1] as string]);
    expect(listed.stdout).toContain('receiver "nats": 1 input that is not an event kept in');
    // Terminated, not left to be redelivered.
    const consumer = await t.jsm.consumers.info(stream, 'core');
    expect(consumer.num_ack_pending + consumer.num_pending).toBe(0);
    console.log(`competing consumers: ${a.length} and ${b.length} of ${total}`);
  }, 90_000);

  describe('leader election: the Grantex SSE stream read by one instance at a time', () => {
    let source: GeneratorServer;
    beforeAll(async () => {
      source = await startGenerator({ apiKey: 'k', mode: 'broadcast', rate: 200, maxConnections: 5, seed: 9, keepaliveMs: 500 });
    });
    afterAll(() => source?.close());

    it('exactly one reads; killing the leader hands over within the lease; a paused leader resumed after its lease expired reads nothing alongside the new one; a reload re-campaigns cleanly', async () => {
      const ws = await workspace();
      cleanups.push(ws.cleanup);
      const bucket = t.name('leases');
      t.own(`KV_${bucket}`);
      const leaseMs = 2000;
      const telemetry = { a: await freePort(), b: await freePort() };
      /** The role /status gives this instance's receiver. */
      const roleOf = async (name: 'a' | 'b') => {
        const status = (await (await fetch(`http://127.0.0.1:${telemetry[name]}/status`)).json()) as { components: Record<string, { components: Record<string, { role?: string }> }> };
        return status.components['pipeline:events']?.components['receiver:grantex']?.role;
      };
      const configs = await Promise.all(
        (['a', 'b'] as const).map((name) =>
          ws.config(
            {
              storage: { directory: join(ws.dir, `storage-${name}`) },
              receivers: { grantex: { url: source.url, apiKey: 'k', reconnect: { initialDelayMs: 50, maxDelayMs: 200 }, leaderElection: { nats: { servers: TEST_SERVERS }, bucket, leaseMs } } },
              exporters: { file: { directory: join(ws.dir, `archive-${name}`), flushIntervalMs: 50 } },
              service: { pipelines: { events: { receivers: ['grantex'], exporters: ['file'] } }, shutdownTimeoutMs: 5000, telemetry: { logs: { format: 'json' }, address: `127.0.0.1:${telemetry[name]}` } },
            },
            `${name}.json`,
          ),
        ),
      );
      const archive = (name: string) => join(ws.dir, `archive-${name}`);
      const runs: Record<string, FerryProcess> = { a: start(configs[0] as string) };
      await runs.a?.waitFor('leader: this instance holds the lease');
      runs.b = start(configs[1] as string);
      await runs.b.waitFor('campaigning for the lease');
      // For two lease lengths, one stream is open and only a's archive grows.
      const sampleUntil = Date.now() + 2 * leaseMs;
      while (Date.now() < sampleUntil) {
        expect(source.streams).toBeLessThanOrEqual(1);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(runs.b.stderr()).not.toContain('leader: this instance');
      expect((await archivedEvents(archive('a'))).length).toBeGreaterThan(0);
      expect([await roleOf('a'), await roleOf('b')]).toEqual(['leader', 'standby']);

      // kill -9 the leader: b takes over once a's lease expires (no release), within the lease and a retry.
      runs.a?.signal('SIGKILL');
      await runs.a?.exited;
      await runs.b.waitFor('leader: this instance holds the lease', leaseMs + leaseMs / 5 + 2000);
      runs.a = start(configs[0] as string);
      await runs.a.waitFor('campaigning for the lease');

      // Pause the leader (b) past its lease: a takes over; b, resumed, finds itself standby and reads nothing more.
      runs.b.signal('SIGSTOP');
      await runs.a.waitFor('leader: this instance holds the lease', 3 * leaseMs);
      const takeover = source.deliveredCount;
      await eventually(() => source.deliveredCount > takeover + 100, 'a reading');
      runs.b.signal('SIGCONT');
      await runs.b.waitFor('standby: stopping the receiver');
      await eventually(() => source.streams === 1, 'b\'s stream closed');
      expect([await roleOf('a'), await roleOf('b')]).toEqual(['leader', 'standby']);

      // A reload that restarts the elected receiver releases the lease and campaigns afresh: one leader again, never two.
      const leaderLines = () => ['a', 'b'].reduce((n, name) => n + (runs[name]?.stderr().split('leader: this instance holds the lease').length ?? 1) - 1, 0);
      const before = leaderLines();
      const reloaded = JSON.parse(await readFile(configs[0] as string, 'utf8')) as { receivers: { grantex: { reconnect: { maxDelayMs: number } } } };
      reloaded.receivers.grantex.reconnect.maxDelayMs = 300;
      await writeFile(configs[0] as string, JSON.stringify(reloaded));
      runs.a.signal('SIGHUP');
      await runs.a.waitFor('config reloaded');
      await eventually(() => leaderLines() === before + 1, 'the lease taken again after the reload', 3 * leaseMs);
      await eventually(() => source.streams === 1, 'one stream after the reload');
      const a = new Set(idsOf(await archivedEvents(archive('a'))));
      await stop(runs.a);
      await stop(runs.b);
      expectBooksBalanced(runs.a, ['file']);
      expectBooksBalanced(runs.b, ['file']);
      const inA = idsOf(await archivedEvents(archive('a')));
      const inB = idsOf(await archivedEvents(archive('b')));
      // Never two readers: no event was read by both (broadcast sends each event to every open stream).
      expect(inA.filter((id) => inB.includes(id))).toEqual([]);
      expect(inA.length).toBeGreaterThanOrEqual(a.size);
      expect(duplicatesIn(inA) + duplicatesIn(inB)).toBe(0);
      console.log(`leader election: a read ${inA.length}, b ${inB.length}; published ${source.deliveredCount} deliveries, missed in takeovers ${source.missed}`);
    }, 90_000);
  });
});
