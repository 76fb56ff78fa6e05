import { describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { get as httpGet } from 'node:http';
import { join } from 'node:path';
import { startGenerator, type GeneratorServer } from '@ferry/generator';
import { startDatadogPeer, type DatadogPeer } from '@ferry/exporter-datadog/testing';
import { metricCatalogue } from '@ferry/host';
import { ferry as ferryOnce, type FerryProcess } from '../support/ferry-process.js';
import { cleanAfterEach } from '../support/cleanups.js';
import { archivedEvents, eventually } from '../support/archive.js';
import { workspace } from '../support/workspace.js';
import { expectBooksBalanced } from '../support/books.js';
import { freePort } from '../support/ports.js';
import { componentStatus, telemetryAt, valueOf, type Sample } from '../support/telemetry.js';

const KEY = 'telemetry-e2e-key';
const DD_KEY = 'dd_telemetry_key_0123456789';
const cleanups = cleanAfterEach();

async function generator(options: Omit<Parameters<typeof startGenerator>[0], 'apiKey'>): Promise<GeneratorServer> {
  const server = await startGenerator({ apiKey: KEY, ...options });
  cleanups.push(() => server.close());
  return server;
}

async function datadogPeer(): Promise<DatadogPeer> {
  const peer = await startDatadogPeer({ apiKey: DD_KEY });
  cleanups.push(() => peer.close());
  return peer;
}

const ferry = (config: string, env: NodeJS.ProcessEnv = {}): FerryProcess => cleanups.ferry(config, { DD_API_KEY: DD_KEY, ...env });

async function scratch() {
  const ws = await workspace();
  cleanups.push(ws.cleanup);
  return ws;
}

/** Grantex → file, the simplest pipeline, with these telemetry settings. */
function filePipeline(url: string, dir: string, telemetry: Record<string, unknown>) {
  return {
    receivers: { grantex: { url, apiKey: KEY } },
    exporters: { file: { directory: join(dir, 'archive') } },
    service: { pipelines: { events: { receivers: ['grantex'], exporters: ['file'] } }, telemetry },
  };
}

const retry = { initialIntervalMs: 20, maxIntervalMs: 100 };
const json = { logs: { format: 'json' as const } };
const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

describe('/metrics', () => {
  it('agrees term by term with what the peers counted and with the books, after a run with injected failures', async () => {
    const ws = await scratch();
    const source = await generator({ mode: 'pull', total: 1200, seed: 71 });
    const datadog = await datadogPeer();
    // Three 503s (retried) and one 400 (dead-lettered), in the order requests arrive.
    datadog.inject({ status: 503 }, 3);
    datadog.inject({ status: 400, body: '{"errors":["bad"]}' }, 1);
    const port = await freePort();
    const archive = join(ws.dir, 'archive');
    const run = ferry(
      await ws.config({
        storage: { directory: join(ws.dir, 'storage') },
        receivers: { grantex: { url: source.url, apiKey: KEY } },
        processors: { filter: { exclude: { types: ['budget.*'] } } },
        exporters: { datadog: { apiKey: '${env:DD_API_KEY}', endpoint: datadog.endpoint, batchSize: 100, flushIntervalMs: 50, retry }, file: { directory: archive, flushIntervalMs: 50, queue: { maxEvents: 100_000 } } },
        service: { pipelines: { events: { receivers: ['grantex'], processors: ['filter'], exporters: ['datadog', 'file'] } }, telemetry: { ...json, address: `127.0.0.1:${port}` } },
      }),
    );
    await source.waitForDelivered(1200, 60_000);
    const delivered = source.delivered;
    const budget = delivered.filter((e) => e.type.startsWith('budget.')).length;
    const kept = delivered.length - budget;
    const server = telemetryAt(port);
    let samples: Sample[] = [];
    const at = (name: string, labels: Record<string, string> = {}) => valueOf(samples, name, labels);
    const dd = { exporter: 'datadog', pipeline: 'events' };
    const file = { exporter: 'file', pipeline: 'events' };
    await eventually(async () => {
      samples = await server.metrics();
      return at('ferry_exporter_queue_size', dd) === 0 && at('ferry_exporter_queue_size', file) === 0 && at('ferry_exporter_accepted_events_total', dd) === kept;
    }, 'both exporters to finish every event');

    // What came in, and what the filter dropped.
    expect(at('ferry_receiver_accepted_events_total', { receiver: 'grantex' })).toBe(delivered.length);
    expect(at('ferry_receiver_refused_events_total', { receiver: 'grantex' })).toBe(0);
    expect(at('ferry_processor_filtered_events_total', { processor: 'filter', pipeline: 'events' })).toBe(budget);
    // Datadog, against what its intake saw request by request.
    const failedRequests = datadog.requests.filter((r) => r.status !== 202);
    expect(failedRequests.map((r) => r.status)).toEqual([503, 503, 503, 400]);
    expect(at('ferry_exporter_sent_events_total', dd)).toBe(datadog.received.length);
    expect(at('ferry_exporter_failed_attempts_total', dd)).toBe(failedRequests.length);
    expect(at('ferry_exporter_retried_events_total', dd)).toBe(sum(failedRequests.filter((r) => r.status === 503).map((r) => r.entries)));
    expect(at('ferry_exporter_dead_lettered_events_total', dd)).toBe(sum(failedRequests.filter((r) => r.status === 400).map((r) => r.entries)));
    expect(at('ferry_exporter_request_duration_seconds_count', { ...dd, outcome: 'ok' })).toBe(datadog.requests.filter((r) => r.status === 202).length);
    expect(at('ferry_exporter_request_duration_seconds_count', { ...dd, outcome: 'failed' })).toBe(failedRequests.length);
    // The file archive, against what is on disk.
    expect(at('ferry_exporter_sent_events_total', file)).toBe((await archivedEvents(archive)).length);
    expect(at('ferry_exporter_failed_attempts_total', file)).toBe(0);
    for (const labels of [dd, file]) {
      // The books, from the metrics alone: resumed + accepted = delivered + dead-lettered + lost + queued.
      expect(at('ferry_exporter_resumed_events', labels) + at('ferry_exporter_accepted_events_total', labels)).toBe(
        at('ferry_exporter_sent_events_total', labels) + at('ferry_exporter_dead_lettered_events_total', labels) + at('ferry_exporter_lost_events_total', labels) + at('ferry_exporter_queue_size', labels),
      );
      expect(at('ferry_exporter_lag_seconds', labels)).toBe(0);
      expect(at('ferry_exporter_in_flight_events', labels)).toBe(0);
      // Both kept up, so the log's in-memory cache held everything they took.
      expect(at('ferry_exporter_read_from_disk_events_total', labels)).toBe(0);
    }
    expect(at('ferry_log_capacity_bytes', { pipeline: 'events' })).toBe(4 * 1024 ** 3);
    expect(at('ferry_exporter_queue_capacity', file)).toBe(100_000);
    // Every series is in the README's table (generated from the same catalogue), and every row is served.
    const documented = new Set(metricCatalogue().map((m) => m.name));
    const served = new Set(samples.map((s) => s.name.replace(/_(bucket|sum|count)$/, '')).filter((name) => name.startsWith('ferry_')));
    const own = [...served].filter((name) => !/^ferry_receiver_(?!accepted_|refused_)/.test(name));
    expect(own.filter((name) => !documented.has(name))).toEqual([]);
    expect([...documented].filter((name) => !name.includes('<') && !served.has(name))).toEqual([]);
    expect(at('ferry_log_damaged_records_total', { pipeline: 'events' })).toBe(0);

    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
    const books = expectBooksBalanced(run, ['datadog', 'file']);
    for (const b of books) {
      const labels = { exporter: b.exporter, pipeline: b.pipeline };
      expect({ accepted: b.accepted, delivered: b.delivered, deadLettered: b.deadLettered, lost: b.lost, queued: b.queued }).toEqual({
        accepted: at('ferry_exporter_accepted_events_total', labels),
        delivered: at('ferry_exporter_sent_events_total', labels),
        deadLettered: at('ferry_exporter_dead_lettered_events_total', labels),
        lost: at('ferry_exporter_lost_events_total', labels),
        queued: at('ferry_exporter_queue_size', labels),
      });
    }
  });
});

describe('/livez, /readyz and /status', () => {
  it('readiness is 503 while starting and while draining, liveness 200 throughout', async () => {
    const ws = await scratch();
    const source = await generator({ rate: 100, seed: 72 });
    const datadog = await datadogPeer();
    // The API key check at start hangs until the exporter's request timeout: the collector is "starting" that long.
    datadog.inject({ hang: true, on: 'validate' }, 1);
    const port = await freePort();
    const run = ferry(
      await ws.config({
        storage: { directory: join(ws.dir, 'storage') },
        receivers: { grantex: { url: source.url, apiKey: KEY } },
        exporters: { datadog: { apiKey: '${env:DD_API_KEY}', endpoint: datadog.endpoint, flushIntervalMs: 50, requestTimeoutMs: 2000, retry } },
        service: { pipelines: { events: { receivers: ['grantex'], exporters: ['datadog'] } }, shutdownTimeoutMs: 1500, telemetry: { ...json, address: `127.0.0.1:${port}` } },
      }),
    );
    const server = telemetryAt(port);
    await eventually(async () => (await server.probe('/readyz')).status !== 0, 'the telemetry server to listen');
    expect(await server.probe('/readyz')).toEqual({ status: 503, body: 'not ready: the collector is starting\n' });
    expect(await server.probe('/livez')).toEqual({ status: 200, body: 'ok\n' });
    expect((await server.status()).body.status).toBe('starting');
    await eventually(async () => (await server.probe('/readyz')).status === 200, 'ready once started', 20_000).catch(async (e) => {
      throw new Error(`${e.message}\nREADYZ ${JSON.stringify(await server.probe('/readyz'))}\nSTATUS ${JSON.stringify((await server.status()).body)}\nSTDERR ${run.stderr()}\nSTDOUT ${run.stdout()}`);
    });
    expect(run.stderr()).toContain('could not reach its destination at start');

    // The destination goes down: events queue, and readiness does not care.
    datadog.inject({ status: 503 }, 100_000);
    await eventually(async () => componentStatus((await server.status()).body, 'events', 'exporter:datadog')?.status === 'recoverable_error', 'the outage to show');
    expect((await server.probe('/readyz')).status).toBe(200);

    run.signal('SIGTERM');
    await eventually(async () => (await server.probe('/readyz')).body === 'not ready: the collector is stopping\n', 'not ready while draining');
    expect((await server.probe('/livez')).status).toBe(200);
    expect(await run.exited).toBe(0);
    expect(await server.probe('/livez')).toEqual({ status: 0, body: '' });
    expectBooksBalanced(run, ['datadog']);
  });

  it('reports an outage as a recoverable error that clears when the destination returns, and a refused API key as a permanent one', async () => {
    const ws = await scratch();
    const source = await generator({ rate: 200, seed: 73 });
    const datadog = await datadogPeer();
    const port = await freePort();
    const run = ferry(
      await ws.config({
        storage: { directory: join(ws.dir, 'storage') },
        receivers: { grantex: { url: source.url, apiKey: KEY } },
        exporters: { datadog: { apiKey: '${env:DD_API_KEY}', endpoint: datadog.endpoint, flushIntervalMs: 50, retry } },
        service: { pipelines: { events: { receivers: ['grantex'], exporters: ['datadog'] } }, telemetry: { ...json, address: `127.0.0.1:${port}`, recoveryDurationMs: 60_000 } },
      }),
    );
    const server = telemetryAt(port);
    const exporterStatus = async () => {
      const { httpStatus, body } = await server.status();
      return { httpStatus, body, node: componentStatus(body, 'events', 'exporter:datadog') };
    };
    await eventually(async () => (await server.probe('/status')).status === 200 && (await exporterStatus()).node?.status === 'ok', 'ok at first');

    datadog.inject({ status: 503 }, 100_000);
    await eventually(async () => (await exporterStatus()).node?.status === 'recoverable_error', 'the outage');
    const outage = await exporterStatus();
    // Within recoveryDurationMs a recoverable error is still healthy; the worst status rolls up.
    expect(outage).toMatchObject({ httpStatus: 200, body: { status: 'recoverable_error', healthy: true }, node: { healthy: true } });
    expect(outage.node?.error).toContain('answered 503');
    expect(outage.body.components?.['pipeline:events']).toMatchObject({ status: 'recoverable_error', error: expect.stringContaining('exporter:datadog: ') });

    datadog.faults.length = 0;
    await eventually(async () => (await exporterStatus()).node?.status === 'ok', 'the recovery');
    expect((await exporterStatus()).body).toMatchObject({ status: 'ok', healthy: true });

    datadog.inject({ status: 403 }, 100_000);
    await eventually(async () => (await exporterStatus()).node?.status === 'permanent_error', 'the refused key');
    const refused = await exporterStatus();
    expect(refused).toMatchObject({ httpStatus: 503, body: { status: 'permanent_error', healthy: false }, node: { healthy: false } });
    expect(refused.node?.error).toContain('Datadog refused the API key');
    expect(JSON.stringify(refused.body)).not.toContain(DD_KEY);

    datadog.faults.length = 0;
    await eventually(async () => (await exporterStatus()).node?.status === 'ok', 'the key accepted again');
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
    expectBooksBalanced(run, ['datadog']);
  });

  it('a receiver whose API key is refused is a permanent error and makes the collector not ready; the others keep running', async () => {
    const ws = await scratch();
    const source = await generator({ rate: 100, seed: 74 });
    const port = await freePort();
    const run = ferry(
      await ws.config({
        receivers: { grantex: { url: source.url, apiKey: KEY }, 'grantex/wrong': { url: source.url, apiKey: 'wrong-key-0123456789' } },
        exporters: { file: { directory: join(ws.dir, 'archive'), flushIntervalMs: 50 } },
        service: { pipelines: { events: { receivers: ['grantex', 'grantex/wrong'], exporters: ['file'] } }, telemetry: { ...json, address: `127.0.0.1:${port}` } },
      }),
    );
    const server = telemetryAt(port);
    await eventually(async () => componentStatus((await server.status().catch(() => ({ body: {} as never }))).body, 'events', 'receiver:grantex/wrong')?.status === 'permanent_error', 'the refused key');
    const { httpStatus, body } = await server.status();
    expect(httpStatus).toBe(503);
    expect(componentStatus(body, 'events', 'receiver:grantex/wrong')?.error).toContain('Grantex refused the API key (401)');
    expect(componentStatus(body, 'events', 'receiver:grantex')?.status).toBe('ok');
    const ready = await server.probe('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toContain('receiver:grantex/wrong cannot accept: Grantex refused the API key (401)');
    expect(JSON.stringify(body) + ready.body).not.toContain('wrong-key-0123456789');
    await eventually(async () => (await archivedEvents(join(ws.dir, 'archive'))).length > 0, 'the working receiver to deliver');
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
  });
});

describe('the telemetry server', () => {
  it('wants its bearer token for everything but the probes and the static page, is read-only, and never shows the token', async () => {
    const ws = await scratch();
    const source = await generator({ rate: 50, seed: 75 });
    const port = await freePort();
    const token = 'telemetry-token-0123456789abcdef';
    const run = ferry(await ws.config(filePipeline(source.url, ws.dir, { ...json, address: `127.0.0.1:${port}`, authToken: '${env:TOKEN}' })), { TOKEN: token });
    const anonymous = telemetryAt(port);
    const wrong = telemetryAt(port, 'not-the-token-0123456789');
    const authorized = telemetryAt(port, token);
    await eventually(async () => (await anonymous.probe('/readyz')).status === 200, 'ready');
    for (const path of ['/metrics', '/status', '/api/figures', '/api/tap?component=file']) {
      expect([path, (await anonymous.probe(path)).status]).toEqual([path, 401]);
      expect([path, (await wrong.probe(path)).status]).toEqual([path, 401]);
    }
    expect((await anonymous.probe('/livez')).status).toBe(200);
    expect((await anonymous.probe('/')).status).toBe(200);
    expect((await authorized.probe('/metrics')).body).toContain('ferry_receiver_accepted_events_total{receiver="grantex"}');
    expect((await authorized.probe('/status')).status).toBe(200);
    expect((await fetch(`${authorized.base}/status`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status).toBe(405);
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.stderr()).not.toContain(token);
  });

  it('answers without a token only requests addressed to an IP address or localhost (no DNS rebinding)', async () => {
    const ws = await scratch();
    const source = await generator({ rate: 10, seed: 76 });
    const port = await freePort();
    const run = ferry(await ws.config(filePipeline(source.url, ws.dir, { address: `127.0.0.1:${port}` })));
    const server = telemetryAt(port);
    await eventually(async () => (await server.probe('/readyz')).status === 200, 'ready');
    // fetch will not set Host; a browser tricked by DNS rebinding sends the attacker's name in it.
    const withHost = (host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = httpGet({ host: '127.0.0.1', port, path: '/status', headers: { host } }, (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        });
        request.on('error', reject);
      });
    expect((await withHost(`localhost:${port}`)).status).toBe(200);
    expect(await withHost(`attacker.example:${port}`)).toEqual({ status: 403, body: 'this server answers only requests addressed to an IP address or localhost, not "attacker.example"\n' });
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('a configured address that is taken stops Ferry naming the option; the default one only warns', async () => {
    const ws = await scratch();
    const blocker: Server = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => blocker.close(resolve)));
    const source = await generator({ rate: 10, seed: 77 });
    const taken = ferry(await ws.config(filePipeline(source.url, ws.dir, { address: `127.0.0.1:${port}` }), 'taken.json'));
    expect(await taken.exited).toBe(1);
    expect(taken.stderr()).toContain(`ferry: service.telemetry.address: 127.0.0.1:${port} is already in use (another Ferry, or another program); choose another address, or set it to null to run without the telemetry server`);

    // The default address (127.0.0.1:8888), taken by us or by anything else on this machine.
    const defaultBlocker = createServer();
    const held = await new Promise<boolean>((resolve) => {
      defaultBlocker.once('error', () => resolve(false));
      defaultBlocker.listen(8888, '127.0.0.1', () => resolve(true));
    });
    if (held) cleanups.push(() => new Promise((resolve) => defaultBlocker.close(resolve)));
    // Written as text: the workspace helper turns the server off in configs that do not name an address.
    const usual = ferry(await ws.config(JSON.stringify(filePipeline(source.url, ws.dir, {})), 'default.json'));
    await usual.waitFor('collector started');
    expect(usual.stderr()).toContain('telemetry server not started: service.telemetry.address: 127.0.0.1:8888 is already in use');
    usual.signal('SIGTERM');
    expect(await usual.exited).toBe(0);
  });

  it('a non-loopback address without a token is a config error', async () => {
    const ws = await scratch();
    const config = await ws.config(filePipeline('http://127.0.0.1:9', ws.dir, { address: '0.0.0.0:8888' }));
    const result = await ferryOnce(['validate', '--config', config]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('service.telemetry.authToken: required when the telemetry server listens on "0.0.0.0", which is not a loopback address');
  });
});
