import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import type { EventConsumer, FerryEvent, Receiver } from '@ferry/sdk';
import { testNats, TEST_SERVERS, type TestNats } from '@ferry/nats/testing';
import { silentLogger } from '../telemetry/logger.js';
import { electedReceiver } from './leader-election.js';
import { resolveConfig } from '@ferry/sdk/testkit';
import { leaderElectionSchema, type LeaderElectionConfig } from './leader-schema.js';

let t: TestNats;
beforeAll(async () => {
  t = await testNats();
});
afterAll(() => t?.close());

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** What one instance's receiver did: when it ran, and each event it handed in that was accepted. */
interface Instance {
  readonly name: string;
  readonly receiver: Receiver;
  readonly terms: Array<{ from: number; to: number | undefined }>;
  readonly accepted: number[];
}

/**
 * An instance: its receiver reads a single-reader source — here it hands in an event every
 * 10 ms while it runs, as an SSE stream would — and everything accepted is stamped with the
 * monotonic time, so two instances' reading can be compared.
 */
function instance(name: string, election: Partial<LeaderElectionConfig> & { bucket: string; key: string }): Instance {
  const terms: Instance['terms'] = [];
  const accepted: number[] = [];
  const next: EventConsumer = {
    consume: async () => {
      accepted.push(performance.now());
    },
  };
  const source = (gated: EventConsumer): Receiver => {
    let timer: NodeJS.Timeout | undefined;
    return {
      async start() {
        terms.push({ from: performance.now(), to: undefined });
        let n = 0;
        timer = setInterval(() => {
          const event: FerryEvent = { id: `${name}_${n++}`, type: 'grant.created', createdAt: new Date().toISOString(), data: {} };
          gated.consume([event]).catch(() => undefined);
        }, 10);
      },
      async shutdown() {
        clearInterval(timer);
        const term = terms.at(-1);
        if (term !== undefined) term.to = performance.now();
      },
    };
  };
  const config = resolveConfig(leaderElectionSchema, { nats: { servers: TEST_SERVERS }, ...election });
  const receiver = electedReceiver({ id: `grantex`, election: config, logger: silentLogger(), create: source, next, reportError: () => undefined });
  stops.push(() => receiver.shutdown?.() ?? Promise.resolve());
  return { name, receiver, terms, accepted };
}

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const running = (i: Instance) => i.terms.length > 0 && i.terms.at(-1)?.to === undefined;

/** A TCP relay to the NATS server that can black-hole traffic (a network partition: nothing arrives, nothing is closed). */
async function partitionableRelay(): Promise<{ url: string; partition(): void; heal(): void; close(): Promise<void> }> {
  let cut = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(4222, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (chunk) => void (cut || upstream.write(chunk)));
    upstream.on('data', (chunk) => void (cut || client.write(chunk)));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `nats://127.0.0.1:${(server.address() as AddressInfo).port}`,
    partition: () => void (cut = true),
    heal: () => void (cut = false),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('leader election for single-reader receivers (a lease in a NATS KV bucket)', () => {
  it('exactly one instance runs the receiver; when it stops, the standby takes over at once (the lease is released)', async () => {
    const bucket = t.name('leases');
    t.own(`KV_${bucket}`);
    const a = instance('a', { bucket, key: 'grantex', leaseMs: 2000 });
    await a.receiver.start?.();
    await until(() => running(a), 'a leads');
    const b = instance('b', { bucket, key: 'grantex', leaseMs: 2000 });
    await b.receiver.start?.();
    // Three lease lengths: b never runs while a renews.
    await new Promise((resolve) => setTimeout(resolve, 3 * 2000));
    expect(b.terms).toEqual([]);
    expect(b.accepted).toEqual([]);
    const stoppedAt = performance.now();
    await a.receiver.shutdown?.();
    await until(() => running(b), 'b leads');
    // Released, not expired: b takes over within its retry interval (a fifth of the lease), not the lease.
    expect((b.terms[0]?.from ?? 0) - stoppedAt).toBeLessThan(2000);
    expect(Math.max(...a.accepted)).toBeLessThan(Math.min(...b.accepted));
  }, 30_000);

  it('a leader that cannot renew (a partition) stops reading before its lease expires; the standby reads only after — never two at once (elastic/beats #34998, #38543)', async () => {
    const bucket = t.name('leases');
    t.own(`KV_${bucket}`);
    const relay = await partitionableRelay();
    stops.push(relay.close);
    const leaseMs = 2000;
    const a: Instance = instance('a', { bucket, key: 'grantex', leaseMs, nats: { servers: relay.url, connectTimeoutMs: 500 } as never });
    await a.receiver.start?.();
    await until(() => running(a), 'a leads');
    const b = instance('b', { bucket, key: 'grantex', leaseMs });
    await b.receiver.start?.();
    await new Promise((resolve) => setTimeout(resolve, leaseMs));
    relay.partition();
    const partitionedAt = performance.now();
    await until(() => running(b), 'b takes over after a\'s lease expired', 20_000);
    const aStopped = a.terms[0]?.to as number;
    expect(aStopped).toBeDefined();
    // a stopped within its renew deadline of its last renewal, and b started after a stopped, once the lease had expired.
    expect(aStopped - partitionedAt).toBeLessThan(leaseMs);
    expect(b.terms[0]?.from as number).toBeGreaterThan(aStopped);
    expect((b.terms[0]?.from as number) - partitionedAt).toBeGreaterThan((leaseMs * 2) / 3);
    expect(Math.max(...a.accepted)).toBeLessThan(Math.min(...b.accepted));
    // Healed, a finds the lease taken and stays standby: still one reader.
    relay.heal();
    await new Promise((resolve) => setTimeout(resolve, 2 * leaseMs));
    expect(a.terms).toHaveLength(1);
    expect(running(b)).toBe(true);
  }, 40_000);

  it('refuses timings that cannot keep one leader, naming the option', () => {
    const config = resolveConfig(leaderElectionSchema, { nats: {}, leaseMs: 3000, renewDeadlineMs: 3000 });
    expect(() => electedReceiver({ id: 'grantex', election: config, logger: silentLogger(), create: () => ({}), next: { consume: async () => undefined }, reportError: () => undefined })).toThrow(
      'receivers.grantex.leaderElection.renewDeadlineMs: 3000 must be less than leaseMs (3000), or a leader could still read after its lease expired',
    );
  });
});
