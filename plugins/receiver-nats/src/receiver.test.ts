import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, ShutdownError, type EventConsumer, type FerryEvent } from '@ferry/sdk';
import { conformanceCases, createTestContext, resolveConfig, type TestContext } from '@ferry/sdk/testkit';
import { testNats, TEST_SERVERS, type TestNats } from '@ferry/nats/testing';
import natsReceiver from './index.js';
import type { NatsReceiver } from './receiver.js';
import type { NatsReceiverConfig } from './config.js';

let t: TestNats;
beforeAll(async () => {
  t = await testNats();
});
afterAll(() => t?.close());

const running: NatsReceiver[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.shutdown();
});

const event = (i: number, prefix = 'evt'): FerryEvent => ({ id: `${prefix}_${i}`, type: 'grant.created', createdAt: '2026-03-01T12:00:00Z', data: { i } });

/** A stream of this test's own, holding `count` events. */
async function streamWith(count: number, prefix = 'evt'): Promise<{ stream: string; subject: string }> {
  const stream = t.name('RCV');
  t.own(stream);
  const subject = `rcv.${stream}`;
  await t.jsm.streams.add({ name: stream, subjects: [`${subject}.>`] });
  await publish(subject, Array.from({ length: count }, (_, i) => JSON.stringify(event(i, prefix))));
  return { stream, subject };
}

async function publish(subject: string, texts: readonly (string | Uint8Array)[]): Promise<void> {
  await Promise.all(texts.map((text) => t.js.publish(`${subject}.x`, typeof text === 'string' ? new TextEncoder().encode(text) : text)));
}

function receiver(config: Partial<NatsReceiverConfig>, next?: EventConsumer): { receiver: NatsReceiver; ctx: TestContext<NatsReceiverConfig> } {
  const ctx = createTestContext(resolveConfig(natsReceiver.configSchema, { servers: TEST_SERVERS, createConsumer: {}, ...config }), { id: 'nats', ...(next ? { next } : {}) });
  const created = natsReceiver.create(ctx) as NatsReceiver;
  running.push(created);
  return { receiver: created, ctx };
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const consumerInfo = (stream: string, consumer = 'ferry') => t.jsm.consumers.info(stream, consumer);
const ids = (events: readonly FerryEvent[]) => events.map((e) => e.id);

describe('the nats receiver', () => {
  describe('SDK conformance', () => {
    let stream = '';
    beforeAll(async () => {
      stream = (await streamWith(0)).stream;
    });
    for (const c of conformanceCases(natsReceiver, {
      get config() {
        return { servers: TEST_SERVERS, stream, createConsumer: {} };
      },
      invalidConfigs: [
        { config: { consumer: 'a.b' }, because: 'a consumer name has no dots' },
        { config: { createConsumer: { ackWaitMs: 10 } }, because: 'ack_wait is at least a second' },
        { config: { fetchExpiresMs: 10 }, because: 'a fetch waits at least a second' },
        { config: { batchsize: 3 }, because: 'unknown options are refused' },
      ],
    })) it(c.name, c.run);
  });

  it('acknowledges a message only once the pipeline accepted its event, in stream order', async () => {
    const { stream } = await streamWith(120);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const accepted: FerryEvent[] = [];
    const { receiver: r } = receiver({ stream, batchSize: 50 }, {
      consume: async (events) => {
        await gate;
        accepted.push(...events);
      },
    });
    await r.start();
    await until(async () => (await consumerInfo(stream)).num_ack_pending >= 50, 'a batch delivered');
    // Held by a pipeline that has not accepted it: nothing acknowledged.
    expect((await consumerInfo(stream)).ack_floor.stream_seq).toBe(0);
    release();
    await until(async () => (await consumerInfo(stream)).ack_floor.stream_seq === 120, 'everything acknowledged');
    expect(ids(accepted)).toEqual(Array.from({ length: 120 }, (_, i) => `evt_${i}`));
  });

  it('a pipeline slower than ack_wait gets no redelivery: held messages are reported in progress', async () => {
    const { stream } = await streamWith(30);
    const accepted: FerryEvent[] = [];
    let calls = 0;
    const { receiver: r, ctx } = receiver({ stream, batchSize: 10, createConsumer: { ackWaitMs: 1000 } as never }, {
      consume: async (events) => {
        // The first batch takes three ack_waits to be accepted (a large batch fsyncing, a full log).
        if (calls++ === 0) await new Promise((resolve) => setTimeout(resolve, 3200));
        accepted.push(...events);
      },
    });
    await r.start();
    await until(async () => (await consumerInfo(stream)).ack_floor.stream_seq === 30, 'everything acknowledged');
    const info = await consumerInfo(stream);
    expect(info.num_redelivered).toBe(0);
    expect(ctx.counts.get('redelivered')).toBeUndefined();
    expect(ids(accepted)).toEqual(Array.from({ length: 30 }, (_, i) => `evt_${i}`));
  });

  it('a message that holds no event is dead-lettered with its raw bytes and terminated, never redelivered; the rest flows', async () => {
    const { stream, subject } = await streamWith(5);
    const poison = [new Uint8Array([0x7b, 0xff, 0xfe, 0x00]), '{"id":"evt_x","type":"grant.created"}', 'not json at all'];
    await publish(subject, poison);
    await publish(subject, [JSON.stringify(event(5))]);
    const { receiver: r, ctx } = receiver({ stream, createConsumer: { ackWaitMs: 1000 } as never });
    await r.start();
    await until(() => ctx.received.length === 6 && ctx.deadLettered.length === 3, 'events accepted and poison kept');
    expect(ctx.deadLettered.map((d) => Buffer.from(d.bytes).toString('latin1'))).toEqual(poison.map((p) => Buffer.from(p).toString('latin1')));
    expect(ctx.deadLettered.map((d) => d.reason)).toEqual(['not UTF-8 text', 'not a Ferry event: "createdAt" must be a string', expect.stringMatching(/^not a Ferry event: invalid JSON/)]);
    expect(ctx.deadLettered[0]?.source).toMatchObject({ stream, consumer: 'ferry', subject: `${subject}.x`, streamSeq: 6 });
    expect(ctx.counts.get('malformed')).toBe(3);
    // Past ack_wait, nothing comes back: terminated, not merely unacknowledged.
    await until(async () => (await consumerInfo(stream)).ack_floor.stream_seq === 9, 'everything settled');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await consumerInfo(stream)).num_redelivered).toBe(0);
    expect(ctx.deadLettered).toHaveLength(3);
  });

  it('a pipeline that refuses a batch never loses it: handed back, redelivered (counted) and accepted', async () => {
    const { stream } = await streamWith(40);
    const accepted: FerryEvent[] = [];
    let refused = 0;
    const { receiver: r, ctx } = receiver({ stream, batchSize: 40 }, {
      consume: async (events) => {
        if (refused === 0) {
          refused = events.length;
          throw new ShutdownError('the pipeline is closing');
        }
        accepted.push(...events);
      },
    });
    await r.start();
    await until(() => accepted.length === 40, 'the refused batch accepted after all');
    expect(new Set(ids(accepted)).size).toBe(40);
    expect(refused).toBeGreaterThan(0);
    expect(ctx.counts.get('redelivered')).toBe(refused);
  });

  it('two instances on one consumer share the messages and together take each once', async () => {
    const { stream } = await streamWith(2000);
    const slow = (into: FerryEvent[]): EventConsumer => ({
      consume: async (events) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        into.push(...events);
      },
    });
    const a: FerryEvent[] = [];
    const b: FerryEvent[] = [];
    const first = receiver({ stream, batchSize: 50 }, slow(a));
    await first.receiver.start();
    const second = receiver({ stream, batchSize: 50 }, slow(b));
    await second.receiver.start();
    await until(() => a.length + b.length >= 2000, 'every message taken');
    expect(new Set([...ids(a), ...ids(b)]).size).toBe(2000);
    expect(a.length + b.length).toBe(2000);
    expect(Math.min(a.length, b.length)).toBeGreaterThan(200);
  });

  it('without createConsumer a missing consumer is a clear ConfigError; so is a missing stream', async () => {
    const { stream } = await streamWith(0);
    const missing = receiver({ stream, createConsumer: undefined, consumer: 'nobody' }).receiver;
    await expect(missing.start()).rejects.toThrow(new ConfigError(`receivers.nats.consumer: consumer "nobody" of stream "${stream}" does not exist on nats://127.0.0.1:4222; create it (a durable pull consumer with explicit ack), or set receivers.nats.createConsumer: {} to let Ferry create it`));
    const noStream = receiver({ stream: 'NO_SUCH_STREAM_X' }).receiver;
    await expect(noStream.start()).rejects.toThrow(/receivers\.nats\.stream: stream "NO_SUCH_STREAM_X" does not exist on nats:\/\/127\.0\.0\.1:4222/);
  });
});
