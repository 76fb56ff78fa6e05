import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, createBatch, isPermanent, PermanentError, RetryableError, retryAfterOf, type Exporter, type ExportResult, type FerryEvent } from '@ferry/sdk';
import { conformanceCases, createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import bigquery from './index.js';
import type { BigQueryConfig } from './config.js';
import { startBigQueryPeer, type BigQueryPeer } from './testing/index.js';

let peer: BigQueryPeer;
beforeAll(async () => {
  peer = await startBigQueryPeer({ project: 'acme', dataset: 'grantex', tables: ['events'] });
});
afterAll(() => peer.close());
beforeEach(() => peer.clear());

const events = (n: number, from = 0): FerryEvent[] =>
  Array.from({ length: n }, (_, i) => ({ id: `evt_${from + i}`, type: 'grant.created', createdAt: '2026-03-01T12:00:00Z', data: { grantId: `g${from + i}`, scopes: ['a', 'b'] } }));
const seedRow = (e: FerryEvent) => ({ insertId: e.id, json: { event_id: e.id, event_type: e.type, created_at: e.createdAt, data: JSON.stringify(e.data) } });

async function exporter(config: Partial<BigQueryConfig> = {}, endpoint = peer.url): Promise<Exporter> {
  const e = bigquery.create(createTestContext(resolveConfig(bigquery.configSchema, { projectId: 'acme', datasetId: 'grantex', tableId: 'events', apiEndpoint: endpoint, anonymous: true, ...config })));
  await e.start?.();
  return e;
}
const send = (e: Exporter, list: readonly FerryEvent[], signal = new AbortController().signal) => e.export(createBatch(list), { signal, attempt: 1 });
const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as Error);
const rejectedByIndex = (result: ExportResult | void) => new Map((result?.rejected ?? []).map((r) => [r.index, r.error]));

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('the bigquery exporter', () => {
  describe('SDK conformance', () => {
    for (const c of conformanceCases(bigquery, {
      get config() {
        return { projectId: 'acme', datasetId: 'grantex', tableId: 'events', apiEndpoint: peer.url, anonymous: true };
      },
      invalidConfigs: [
        { config: { projectId: 'acme', datasetId: 'grantex' }, because: 'tableId is required' },
        { config: { projectId: 'acme', datasetId: 'grantex', tableId: 'events', batchsize: 5 }, because: 'unknown options are typos' },
        { config: { projectId: 'acme', datasetId: 'grantex', tableId: 'events', apiEndpoint: 'not a url' }, because: 'apiEndpoint must be a URL' },
      ],
      exportEvents: events(3),
    })) it(c.name, c.run);
  });

  it('declares the seed batch size and insertAll hard limits, and leaves host options to the host', () => {
    expect(bigquery.batchDefaults).toEqual({ batchSize: 500 });
    expect(bigquery.limits).toEqual({ maxBatchSize: 50_000, maxBatchBytes: 10_000_000 });
    for (const hostOption of ['batchSize', 'flushIntervalMs', 'maxBatchBytes']) expect(bigquery.configSchema.properties).not.toHaveProperty(hostOption);
  });

  it("inserts exactly the seed's row for every event, insertId = the event id, in one request through the real client", async () => {
    const list: FerryEvent[] = [
      ...events(2),
      { id: 'evt_odd', type: 'budget.exhausted', createdAt: '2026-03-01T12:00:01.123+02:00', data: { text: 'quote " backslash \\ newline \n tab \t é✓ 😀', n: 1.5, none: null, deep: { list: [1, { a: [] }] } } },
      { id: 'evt_unknown_fields', type: 'grant.revoked', createdAt: '2026-03-01T12:00:02Z', data: {}, extra: 'not a column' },
    ];
    expect(await send(await exporter(), list)).toBeUndefined();
    expect(peer.violations).toEqual([]);
    expect(peer.received).toEqual(list.map((e) => ({ table: 'events', ...seedRow(e) })));
    expect(peer.insertRequests).toEqual([{ api: 'insertAll', table: 'events', rows: 4, bytes: expect.any(Number), status: 200, kind: 'bigquery#tableDataInsertAllRequest' }]);
  });

  it('stores text that mentions {{projectId}} unchanged (the client library would rewrite it inside a JSON body)', async () => {
    const list: FerryEvent[] = [{ id: 'evt_{{projectId}}', type: 'x.{{projectId}}', createdAt: '{{projectId}}', data: { note: 'see {{projectId}}', '{{projectId}}': true } }];
    await send(await exporter(), list);
    expect(peer.received).toEqual([{ table: 'events', ...seedRow(list[0] as FerryEvent) }]);
  });

  it('sends the digest as the insert id of an event id over 128 bytes', async () => {
    const long = { ...(events(1)[0] as FerryEvent), id: `evt_${'x'.repeat(200)}` };
    await send(await exporter(), [long]);
    expect(peer.violations).toEqual([]);
    expect(peer.received[0]?.insertId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(peer.received[0]?.json.event_id).toBe(long.id);
  });

  it("dead-letters exactly the rows BigQuery calls invalid, with its reason, and retries the ones it stopped — in one request", async () => {
    peer.refuse('evt_1', { reason: 'invalid', location: 'data', message: 'no such field: data.bogus.' });
    peer.refuse('evt_3', { reason: 'invalid', location: 'created_at', message: 'Could not parse created_at' });
    const e = await exporter();
    const list = events(5);
    const result = await send(e, list);
    expect(peer.insertRequests).toHaveLength(1);
    expect(peer.received).toEqual([]);
    const byIndex = rejectedByIndex(result);
    expect([...byIndex.keys()].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(byIndex.get(1)).toBeInstanceOf(PermanentError);
    expect(byIndex.get(1)?.message).toBe('BigQuery refused event evt_1 (invalid at data): no such field: data.bogus.');
    expect(byIndex.get(3)?.message).toBe('BigQuery refused event evt_3 (invalid at created_at): Could not parse created_at');
    for (const i of [0, 2, 4]) {
      expect(byIndex.get(i)).toBeInstanceOf(RetryableError);
      expect(byIndex.get(i)?.message).toMatch(/another row of its request was invalid \(stopped\)/);
    }
    // The host retries only the retryable rows: they go in, once each.
    expect(await e.export(createBatch(list).select([0, 2, 4]), { signal: new AbortController().signal, attempt: 2 })).toBeUndefined();
    expect(peer.received.map((r) => r.insertId)).toEqual(['evt_0', 'evt_2', 'evt_4']);
    expect(peer.insertRequests).toHaveLength(2);
  });

  it('retries a row BigQuery failed on its side and dead-letters a row with an unknown column', async () => {
    peer.refuse('evt_0', { reason: 'backendError', message: 'try again' });
    const withColumn = { ...(events(1, 1)[0] as FerryEvent), ferry: { v: 1 } };
    const result = rejectedByIndex(await send(await exporter(), [events(1)[0] as FerryEvent, withColumn]));
    expect(result.get(0)).toBeInstanceOf(RetryableError);
    // The table has no ferry column, so the link is not sent and the row is fine: only stopped.
    expect(result.get(1)?.message).toMatch(/stopped/);
    expect(peer.violations).toEqual([]);
  });

  describe('whole-request failures: one request per export, no retry inside', () => {
    const cases = [
      { fault: { status: 503, reason: 'backendError' }, retryable: true },
      { fault: { status: 500, reason: 'internalError' }, retryable: true },
      { fault: { status: 429, reason: 'rateLimitExceeded' }, retryable: true },
      { fault: { status: 403, reason: 'rateLimitExceeded' }, retryable: true },
      { fault: { status: 403, reason: 'quotaExceeded' }, retryable: true },
      { fault: { status: 401, reason: 'unauthorized', message: 'Request had invalid authentication credentials.' }, retryable: false, config: true, message: /^BigQuery refused the credentials for an insert into acme\.grantex\.events \(401 unauthorized: .*keyFilename$/ },
      { fault: { status: 403, reason: 'accessDenied', message: 'Access Denied: Table acme:grantex.events' }, retryable: false, config: true, message: /^BigQuery refused the insert into acme\.grantex\.events \(403 accessDenied: Access Denied.*bigquery\.tables\.updateData on it$/ },
      { fault: { status: 404, reason: 'notFound', message: 'Not found: Table acme:grantex.events' }, retryable: false, config: true, message: /^BigQuery table acme\.grantex\.events does not exist \(404 notFound/ },
      { fault: { status: 400, reason: 'invalid', message: 'No rows present in the request.' }, retryable: false, message: /^BigQuery refused the insert into acme\.grantex\.events \(400 invalid/ },
    ];
    for (const { fault, retryable, config, message } of cases) {
      it(`${fault.status} ${fault.reason} is ${retryable ? 'retryable' : config ? 'a configuration problem (held)' : 'permanent'}`, async () => {
        const e = await exporter();
        peer.inject(fault);
        const error = await failure(send(e, events(3)));
        expect(error).toBeInstanceOf(retryable ? RetryableError : config ? ConfigError : PermanentError);
        if (message) expect(error?.message).toMatch(message);
        expect(peer.insertRequests).toHaveLength(1);
        expect(peer.received).toEqual([]);
      });
    }

    it("passes on BigQuery's Retry-After", async () => {
      const e = await exporter();
      peer.inject({ status: 429, reason: 'rateLimitExceeded', retryAfter: '7' });
      expect(retryAfterOf(await failure(send(e, events(1))))).toBe(7000);
    });

    it('treats a dropped connection and a closed port as retryable', async () => {
      const e = await exporter();
      peer.inject({ reset: true });
      expect(isPermanent(await failure(send(e, events(1))))).toBe(false);
      expect(peer.insertRequests).toHaveLength(1);
      const unreachable = bigquery.create(createTestContext(resolveConfig(bigquery.configSchema, { projectId: 'acme', datasetId: 'grantex', tableId: 'events', apiEndpoint: 'http://127.0.0.1:9', anonymous: true })));
      const error = await failure(send(unreachable, events(1)));
      expect(error).toBeInstanceOf(RetryableError);
      expect(error?.message).toMatch(/ECONNREFUSED/);
    });

    it('stops waiting when the attempt is aborted, with a retryable error', async () => {
      const e = await exporter();
      peer.inject({ hang: true });
      const controller = new AbortController();
      const pending = failure(send(e, events(2), controller.signal));
      await until(() => peer.insertRequests.length === 1, 'the request to arrive');
      controller.abort(new Error('export attempt timed out after 30000 ms'));
      const error = await pending;
      expect(error).toBeInstanceOf(RetryableError);
      expect(error?.message).toBe('stopped waiting for the insertAll request: export attempt timed out after 30000 ms');
    });
  });

  describe('request limits', () => {
    // A quote is 2 bytes in the NDJSON line but 4 in the row, where data is JSON text inside JSON.
    const heavy = (n: number, from = 0) => events(n, from).map((e) => ({ ...e, data: { blob: '"'.repeat(1_000_000) } }));

    it('splits a batch whose request would pass 10 MB though its NDJSON does not, keeping every row and the order', async () => {
      const list = heavy(4);
      expect(createBatch(list).bytes).toBeLessThan(10_000_000);
      expect(await send(await exporter(), list)).toBeUndefined();
      expect(peer.violations).toEqual([]);
      expect(peer.insertRequests.length).toBeGreaterThan(1);
      for (const request of peer.insertRequests) expect(request.bytes).toBeLessThanOrEqual(10_000_000);
      expect(peer.received.map((r) => r.insertId)).toEqual(list.map((e) => e.id));
    });

    it('dead-letters a row over 10 MB with the reason and inserts its neighbours', async () => {
      const huge = { ...(events(1, 99)[0] as FerryEvent), data: { blob: 'y'.repeat(10_000_000) } };
      const result = await send(await exporter(), [...events(2), huge, ...events(2, 2)]);
      expect(result?.rejected).toHaveLength(1);
      expect(result?.rejected?.[0]?.index).toBe(2);
      expect(result?.rejected?.[0]?.error).toBeInstanceOf(PermanentError);
      expect(result?.rejected?.[0]?.error.message).toMatch(/^event evt_99 makes a BigQuery row of \d+ bytes/);
      expect(peer.received.map((r) => r.insertId)).toEqual(['evt_0', 'evt_1', 'evt_2', 'evt_3']);
      expect(peer.violations).toEqual([]);
    });

    it('sends halves when something on the way refuses the request as too large (413)', async () => {
      const e = await exporter();
      const list = events(8).map((ev) => ({ ...ev, data: { blob: 'b'.repeat(1000) } }));
      peer.tooLarge = 3000;
      expect(await send(e, list)).toBeUndefined();
      expect(peer.received.map((r) => r.insertId)).toEqual(list.map((ev) => ev.id));
      expect(peer.insertRequests.map((r) => r.status)).toEqual([413, 413, 200, 200, 413, 200, 200]);
      peer.tooLarge = 500;
      const error = await failure(send(e, list.slice(0, 1)));
      expect(error).toBeInstanceOf(PermanentError);
      expect(error?.message).toMatch(/^event evt_0 alone makes a request of \d+ bytes, refused as too large/);
    });

    it('stops sending a batch when a request fails retryably, leaving the rest for the retry', async () => {
      const e = await exporter();
      peer.inject({ status: 503, reason: 'backendError' });
      const error = await failure(send(e, heavy(4)));
      expect(error).toBeInstanceOf(RetryableError);
      expect(peer.insertRequests).toHaveLength(1);
    });

    it('sends the same event twice in one batch in separate requests, so no request repeats an insert id', async () => {
      const [a, b] = events(2) as [FerryEvent, FerryEvent];
      expect(await send(await exporter(), [a, b, a])).toBeUndefined();
      expect(peer.violations).toEqual([]);
      expect(peer.insertRequests.map((r) => r.rows)).toEqual([2, 1]);
    });
  });
});
