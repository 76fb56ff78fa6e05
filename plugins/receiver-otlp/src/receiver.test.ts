import { afterEach, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { BackpressureError, createBatch, textOf, type EventConsumer, type FerryEvent, type Receiver } from '@ferry/sdk';
import { conformanceCases, createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import otlpExporter from '@ferry/exporter-otlp';
import otlp from './index.js';
import type { OtlpReceiver } from './receiver.js';

const running: Receiver[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.shutdown?.();
});

async function start(config: Record<string, unknown> = {}, next?: EventConsumer) {
  const ctx = createTestContext(resolveConfig(otlp.configSchema, { endpoint: '127.0.0.1:0', ...config }), { id: 'otlp', ...(next ? { next } : {}) });
  const receiver = otlp.create(ctx) as OtlpReceiver;
  await receiver.start();
  running.push(receiver);
  return { ctx, url: `http://127.0.0.1:${receiver.port as number}`, logs: `http://127.0.0.1:${receiver.port as number}/v1/logs` };
}

/** Logs as an application writes them, through the OpenTelemetry SDK and its official OTLP/HTTP exporter. */
async function emitFromApplication(exporter: ProtoLogExporter | JsonLogExporter): Promise<void> {
  const provider = new LoggerProvider({ resource: resourceFromAttributes({ 'service.name': 'checkout' }), processors: [new SimpleLogRecordProcessor({ exporter })] });
  const logger = provider.getLogger('checkout-audit', '2.1.0');
  logger.emit({ eventName: 'payment.refused', severityNumber: SeverityNumber.WARN, severityText: 'WARN', timestamp: new Date('2026-03-01T12:00:00.250Z'), body: { orderId: 'o-1', amount: 12.5 }, attributes: { 'user.id': 'u-7', attempt: 2 } });
  logger.emit({ body: 'plain text line', timestamp: new Date('2026-03-01T12:00:01Z') });
  await provider.forceFlush();
  await provider.shutdown();
}

describe('the otlp receiver', () => {
  describe('SDK conformance', () => {
    for (const c of conformanceCases(otlp, {
      config: { endpoint: '127.0.0.1:0' },
      invalidConfigs: [
        { config: { endpoint: 'no-port' }, because: 'the endpoint has no port' },
        { config: { path: 'v1/logs' }, because: 'the path starts with /' },
        { config: { maxBodyBytes: 10 }, because: 'maxBodyBytes is at least 1024' },
      ],
    })) it(c.name, c.run);
  });

  it.each([
    ['protobuf', (url: string) => new ProtoLogExporter({ url })],
    ['json', (url: string) => new JsonLogExporter({ url })],
  ] as const)('takes logs from an application\'s official OTLP exporter (%s), nothing dropped', async (_, make) => {
    const { ctx, logs } = await start();
    await emitFromApplication(make(logs));
    expect(ctx.received).toHaveLength(2);
    const [payment, plain] = ctx.received.map((e) => JSON.parse(textOf(e) as string) as Record<string, unknown>);
    expect(payment).toMatchObject({
      type: 'payment.refused',
      createdAt: '2026-03-01T12:00:00.250Z',
      data: { orderId: 'o-1', amount: 12.5 },
      otlp: { severityNumber: 13, severityText: 'WARN', attributes: { 'user.id': 'u-7', attempt: 2 }, resource: { attributes: { 'service.name': 'checkout' } }, scope: { name: 'checkout-audit', version: '2.1.0' } },
    });
    expect(payment?.id).toMatch(/^otlp_[0-9a-f]{32}$/);
    expect(plain).toMatchObject({ type: 'otlp.log', createdAt: '2026-03-01T12:00:01Z', data: { body: 'plain text line' } });
  });

  it('answers 200 only once the pipeline accepted the events', async () => {
    let accept!: () => void;
    const accepted = new Promise<void>((resolve) => (accept = resolve));
    let handed = false;
    const { logs } = await start({}, {
      consume: async () => {
        handed = true;
        await accepted;
      },
    });
    let answered = false;
    const reply = fetch(logs, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: '1772366400000000000', body: { stringValue: 'x' } }] }] }] }) }).then((r) => {
      answered = true;
      return r;
    });
    await poll(() => handed);
    expect(answered).toBe(false);
    accept();
    expect((await reply).status).toBe(200);
  });

  it('keeps every digit of an int64 and the order of a map', async () => {
    const { ctx, logs } = await start();
    const body = { resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: '1772366400000000001', body: { kvlistValue: { values: [{ key: 'b', value: { intValue: '12345678901234567891' } }, { key: '10', value: { intValue: '-9007199254740993' } }, { key: '2', value: { boolValue: true } }] } } }] }] }] };
    expect((await fetch(logs, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).status).toBe(200);
    expect(textOf(ctx.received[0] as FerryEvent)).toContain('"createdAt":"2026-03-01T12:00:00.000000001Z","data":{"b":12345678901234567891,"10":-9007199254740993,"2":true}');
  });

  it('refuses a malformed payload with 400, another media type with 415, a wrong token with 401, and a full pipeline with 503 and Retry-After', async () => {
    const { ctx, logs } = await start({ token: 'otlp-token-1' }, {
      consume: async () => {
        throw new BackpressureError('the pipeline log is full', 3000);
      },
    });
    const post = (body: string | Buffer, headers: Record<string, string>) => fetch(logs, { method: 'POST', headers: { authorization: 'Bearer otlp-token-1', ...headers }, body });
    const bad = await post(Buffer.from([0x0a, 0xff, 0xff]), { 'content-type': 'application/x-protobuf' });
    expect(bad.status).toBe(400);
    expect((await post('{"resourceLogs":7}', { 'content-type': 'application/json' })).status).toBe(400);
    expect((await post('{}', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post('{}', { 'content-type': 'application/json', authorization: 'Bearer nope' })).status).toBe(401);
    const full = await post(gzipSync(JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'x' } }] }] }] })), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(full.status).toBe(503);
    expect(full.headers.get('retry-after')).toBe('3');
    expect(await full.json()).toEqual({ code: 14, message: 'the pipeline log is full' });
    expect(ctx.received).toEqual([]);
  });

  it.each(['protobuf', 'json'] as const)('Ferry → Ferry (%s): the otlp exporter into the otlp receiver keeps every field of every event', async (encoding) => {
    const { ctx, url } = await start();
    const exporter = otlpExporter.create(createTestContext(resolveConfig(otlpExporter.configSchema, { endpoint: url, encoding }), { id: 'otlp' }));
    const events: FerryEvent[] = [
      { id: 'evt_1', type: 'grant.created', createdAt: '2026-03-01T12:00:00Z', data: { grantId: 'g', scopes: ['a', 'b'], nested: { deep: [1, { x: null }] }, ratio: 0.25, ok: false, s: 'café 🚀 "q"' } },
      { id: 'evt_2', type: 'budget.exhausted', createdAt: '2026-03-01T12:00:00.123456Z', data: {}, ferry: { v: 2, writer: 'w1', seq: 9, prev: 'ab' } },
      { id: 'evt_3', type: 'anomaly.auto_revoked', createdAt: '2026-03-01T13:00:00+01:00', data: { empty: {}, list: [] } },
    ];
    await exporter.export(createBatch(events), { signal: new AbortController().signal, attempt: 1 });
    expect(ctx.received.map((e) => JSON.parse(textOf(e) as string) as unknown)).toEqual(events);
  });
});

async function poll(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
