import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, type JsMsg } from 'nats';
import { ConfigError, createBatch, isPermanent, PermanentError, RetryableError, type ExportResult, type FerryEvent } from '@ferry/sdk';
import { conformanceCases, createTestContext, resolveConfig, type TestContext } from '@ferry/sdk/testkit';
import { testNats, TEST_SERVERS, type TestNats } from '@ferry/nats/testing';
import nats from './index.js';
import type { NatsExporter } from './exporter.js';
import type { NatsExporterConfig } from './config.js';

let t: TestNats;
beforeAll(async () => {
  t = await testNats();
});
afterAll(() => t?.close());

const TYPES = ['grant.created', 'token.issued', 'budget.exhausted'];
const events = (n: number, prefix = 'evt', data: Record<string, string | number> = {}): FerryEvent[] =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}_${i}`, type: TYPES[i % TYPES.length] as string, createdAt: '2026-03-01T12:00:00Z', data: { n: i, ...data } }));

interface Subject {
  readonly ctx: TestContext<NatsExporterConfig>;
  readonly exporter: NatsExporter;
  readonly stream: string;
  readonly subjects: string;
  send(list: readonly FerryEvent[] | { lines: string[] }): Promise<ExportResult | void>;
}

const running: NatsExporter[] = [];
afterAll(async () => {
  for (const e of running) await e.shutdown();
});

/** An exporter on a stream of its own (created by the exporter unless `config` says otherwise). */
function exporter(config: Partial<NatsExporterConfig> = {}): Subject {
  const stream = t.name('EXP');
  t.own(stream);
  const subjects = `exp.${stream}`;
  const ctx = createTestContext(resolveConfig(nats.configSchema, { servers: TEST_SERVERS, stream, subject: `${subjects}.<type>`, createStream: {}, ...config }), { id: 'nats' });
  const instance = nats.create(ctx) as NatsExporter;
  running.push(instance);
  return {
    ctx,
    exporter: instance,
    stream,
    subjects,
    send: (list) => instance.export(Array.isArray(list) ? createBatch(list as FerryEvent[]) : createBatch(list as { lines: string[] }), { signal: new AbortController().signal, attempt: 1 }),
  };
}

async function readAll(stream: string, expected: number): Promise<JsMsg[]> {
  const consumer = t.name('read');
  await t.jsm.consumers.add(stream, { durable_name: consumer, ack_policy: AckPolicy.None });
  const c = await t.js.consumers.get(stream, consumer);
  const out: JsMsg[] = [];
  while (out.length < expected) {
    const before = out.length;
    for await (const m of await c.fetch({ max_messages: expected - out.length, expires: 1000 })) out.push(m);
    if (out.length === before) break;
  }
  return out;
}

const failure = (promise: Promise<unknown>): Promise<Error> =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error as Error,
  );

describe('the nats exporter', () => {
  describe('SDK conformance', () => {
    let stream = '';
    beforeAll(() => {
      stream = t.name('CONF');
      t.own(stream);
    });
    for (const c of conformanceCases(nats, {
      get config() {
        return { servers: TEST_SERVERS, stream, subject: `conf.${stream}.<type>`, createStream: {} };
      },
      invalidConfigs: [
        { config: { stream: 'a.b' }, because: 'a stream name has no dots' },
        { config: { subject: 'ferry.>' }, because: 'a subject template cannot hold a wildcard' },
        { config: { createStream: { replicas: 0 } }, because: 'replicas are at least 1' },
        { config: { token: '' }, because: 'an empty token is no token' },
        { config: { maxpending: 3 }, because: 'unknown options are refused' },
      ],
      exportEvents: events(3),
    })) it(c.name, c.run);
  });

  it('publishes each event as one message: its stored text, on the subject of its type, with Nats-Msg-Id = its id', async () => {
    const s = exporter();
    await s.exporter.start();
    const lines = ['{"id":"evt_a", "type":"grant.created","createdAt":"2026-03-01T12:00:00Z","data":{"note":"caf\\u00e9"}}', '{"id":"evt_b","type":"budget exhausted","createdAt":"2026-03-01T12:00:01Z","data":{"emoji":"🛳"}}'];
    expect(await s.send({ lines })).toBeUndefined();
    const messages = await readAll(s.stream, 2);
    expect(messages.map((m) => ({ subject: m.subject, id: m.headers?.get('Nats-Msg-Id'), text: new TextDecoder().decode(m.data) }))).toEqual([
      { subject: `${s.subjects}.grant.created`, id: 'evt_a', text: lines[0] },
      { subject: `${s.subjects}.budget_exhausted`, id: 'evt_b', text: lines[1] },
    ]);
  });

  it('a batch sent again is absorbed by the stream: delivered, counted as duplicates, stored once', async () => {
    const s = exporter({ maxPending: 7 });
    await s.exporter.start();
    const list = events(300);
    expect(await s.send(list)).toBeUndefined();
    expect(await s.send(list)).toBeUndefined();
    expect(s.ctx.counts.get('duplicates')).toBe(300);
    expect((await t.jsm.streams.info(s.stream)).state.messages).toBe(300);
    const ids = (await readAll(s.stream, 300)).map((m) => m.headers?.get('Nats-Msg-Id'));
    expect(ids).toEqual(list.map((e) => e.id));
  });

  it('creates the stream with its settings, updates it when they change, and refuses to change its storage', async () => {
    const s = exporter({ createStream: { replicas: 1, duplicateWindowMs: 30_000, maxMsgSize: 4096, storage: 'file', maxAgeMs: 0, maxBytes: -1 } as never });
    await s.exporter.start();
    const info = await t.jsm.streams.info(s.stream);
    expect(info.config).toMatchObject({ subjects: [`${s.subjects}.>`], duplicate_window: 30_000_000_000, max_msg_size: 4096, storage: 'file', discard: 'new' });
    await s.exporter.shutdown();
    const again = nats.create(createTestContext(resolveConfig(nats.configSchema, { ...s.ctx.config, createStream: { duplicateWindowMs: 60_000 } }), { id: 'nats' }));
    running.push(again as NatsExporter);
    await again.start?.();
    expect((await t.jsm.streams.info(s.stream)).config).toMatchObject({ duplicate_window: 60_000_000_000, max_msg_size: -1 });
    const memory = nats.create(createTestContext(resolveConfig(nats.configSchema, { ...s.ctx.config, createStream: { storage: 'memory' } }), { id: 'nats' }));
    running.push(memory as NatsExporter);
    const error = await failure(memory.start?.() ?? Promise.resolve());
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/exporters\.nats\.createStream\.storage: stream ".+" on nats:\/\/127\.0\.0\.1:4222 is stored in file/);
  });

  it('without createStream, says clearly that the stream is missing, or does not take the subject', async () => {
    const missing = exporter({ createStream: undefined });
    const error = await failure(missing.exporter.start());
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(`exporters.nats.stream: stream "${missing.stream}" does not exist on nats://127.0.0.1:4222`);
    expect(error.message).toContain('createStream');
    // Found only at an export (NATS was away at start): shown as a configuration problem, the events kept and retried.
    const later = exporter({ createStream: undefined });
    const retried = await failure(later.send(events(2)));
    expect(retried).toBeInstanceOf(RetryableError);
    expect(later.ctx.reported.map((e) => [e.name, e.message])).toEqual([['ConfigError', retried.message]]);

    const stream = t.name('NARROW');
    t.own(stream);
    await t.jsm.streams.add({ name: stream, subjects: [`narrow.${stream}.grant.>`] });
    const narrow = exporter({ stream, subject: `narrow.${stream}.<type>`, createStream: undefined });
    const refused = await failure(narrow.exporter.start());
    expect(refused).toBeInstanceOf(ConfigError);
    expect(refused.message).toContain(`exporters.nats.subject: "narrow.${stream}.<type>" publishes on narrow.${stream}.>, but stream "${stream}" takes only ["narrow.${stream}.grant.>"]`);
  });

  it('an event too large for the stream, or on a subject no stream takes, is refused for good; the others are delivered', async () => {
    const s = exporter({ createStream: { maxMsgSize: 400 } as never });
    await s.exporter.start();
    // The stream now takes only grant events: a token.issued event lands in no stream.
    await t.jsm.streams.update(s.stream, { ...(await t.jsm.streams.info(s.stream)).config, subjects: [`${s.subjects}.grant.>`, `${s.subjects}.budget.>`] });
    const list = events(3);
    const big = { ...list[2] as FerryEvent, data: { blob: 'x'.repeat(1000) } };
    const result = (await s.send([list[0] as FerryEvent, list[1] as FerryEvent, big])) as ExportResult;
    expect(result.rejected?.map((r) => r.index)).toEqual([1, 2]);
    const [noStream, tooLarge] = result.rejected?.map((r) => r.error) ?? [];
    expect(noStream).toBeInstanceOf(PermanentError);
    expect(noStream?.message).toContain(`subject "${s.subjects}.token.issued" is in no JetStream stream`);
    expect(tooLarge).toBeInstanceOf(PermanentError);
    expect(tooLarge?.message).toMatch(/too large/);
    expect((await t.jsm.streams.info(s.stream)).state.messages).toBe(1);
  });

  it('while NATS is down an export fails retryably, and once it is back the same batch is delivered once', async () => {
    const server = await startPrivateServer();
    try {
      const stream = t.name('OUTAGE');
      const ctx = createTestContext(resolveConfig(nats.configSchema, { servers: server.url, stream, subject: `outage.<type>`, createStream: {}, publishTimeoutMs: 500 }), { id: 'nats' });
      const instance = nats.create(ctx) as NatsExporter;
      running.push(instance);
      await instance.start();
      const batch = createBatch(events(50, 'out'));
      await server.stop();
      const error = await failure(instance.export(batch, { signal: new AbortController().signal, attempt: 1 }));
      expect(error).toBeInstanceOf(RetryableError);
      expect(isPermanent(error)).toBe(false);
      await server.restart();
      // The client reconnects by itself; the host's retry sends the same batch again.
      let delivered = false;
      for (let attempt = 2; attempt < 40 && !delivered; attempt++) {
        try {
          await instance.export(batch, { signal: new AbortController().signal, attempt });
          delivered = true;
        } catch (e) {
          expect(e).toBeInstanceOf(RetryableError);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
      expect(delivered).toBe(true);
      const check = await (await import('nats')).connect({ servers: server.url });
      expect((await (await check.jetstreamManager()).streams.info(stream)).state.messages).toBe(50);
      await check.close();
    } finally {
      await server.stop();
      await server.remove();
    }
  });
});

interface PrivateServer {
  readonly url: string;
  stop(): Promise<void>;
  restart(): Promise<void>;
  remove(): Promise<void>;
}

/** A nats-server of this test's own (the machine's binary) on a port it picks, so it can be stopped and started again there. */
async function startPrivateServer(): Promise<PrivateServer> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-nats-'));
  let child: ChildProcess | undefined;
  let port = -1; // nats-server picks a free one the first time, and is started on it again
  const start = async () => {
    child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      let text = '';
      child?.stderr?.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const listening = /Listening for client connections on 127\.0\.0\.1:(\d+)/.exec(text);
        if (listening !== null) port = Number(listening[1]);
        if (text.includes('Server is ready')) resolve();
      });
      child?.on('exit', (code) => reject(new Error(`nats-server exited (${code}): ${text}`)));
    });
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    async stop() {
      const c = child;
      child = undefined;
      if (c === undefined || c.exitCode !== null) return;
      const exited = new Promise((resolve) => c.on('exit', resolve));
      c.kill('SIGKILL');
      await exited;
    },
    restart: start,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
