import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBatch, isPermanent, retryAfterOf, type ExportResult, type FerryEvent } from '@ferry/sdk';
import { conformanceCases, createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import datadog from './index.js';
import { intakeUrl, type DatadogConfig } from './config.js';
import { DatadogExporter } from './exporter.js';
import { startDatadogIntake, type DatadogIntake } from './testing/index.js';

const KEY = 'dd_api_key_0123456789';
let intake: DatadogIntake;
beforeAll(async () => {
  intake = await startDatadogIntake({ apiKey: KEY });
});
afterAll(() => intake.close());
beforeEach(() => {
  intake.entries.length = 0;
  intake.violations.length = 0;
  intake.requests.length = 0;
  intake.faults.length = 0;
});

const events = (n: number, extra: Record<string, unknown> = {}): FerryEvent[] =>
  Array.from({ length: n }, (_, i) => ({ id: `evt_${i}`, type: i % 3 === 0 ? 'grant.revoked' : 'budget.exhausted', createdAt: '2026-03-01T12:00:00Z', data: { n: i, ...extra } }));

function exporter(config: Partial<DatadogConfig> = {}): DatadogExporter {
  return datadog.create(createTestContext(resolveConfig(datadog.configSchema, { apiKey: KEY, endpoint: intake.url, ...config }), { id: 'datadog' })) as DatadogExporter;
}
const send = (e: DatadogExporter, list: FerryEvent[]): Promise<ExportResult | void> => e.export(createBatch(list), { signal: new AbortController().signal, attempt: 1 });

describe('the datadog exporter', () => {
  describe('SDK conformance', () => {
    for (const c of conformanceCases(datadog, {
      get config() {
        return { apiKey: KEY, endpoint: intake.url };
      },
      invalidConfigs: [{ config: {}, because: 'apiKey is required' }, { config: { apiKey: KEY, tags: ['a,b'] }, because: 'a tag cannot hold a comma' }],
      exportEvents: events(3),
    })) it(c.name, c.run);
  });

  it('maps every event to the seed\'s log entry, gzipped, with the key in DD-API-KEY', async () => {
    const list = [...events(2), { ...events(1)[0]!, id: 'evt_linked', ferry: { v: 1, writer: 'w', seq: 3 } }];
    expect(await send(exporter({ tags: ['env:prod', 'team:iam'], hostname: 'ferry-1' }), list)).toBeUndefined();
    expect(intake.violations).toEqual([]);
    expect(intake.entries).toEqual([
      { ddsource: 'grantex', ddtags: 'type:grant.revoked,env:prod,team:iam', hostname: 'ferry-1', service: 'grantex', message: JSON.stringify(list[0]) },
      { ddsource: 'grantex', ddtags: 'type:budget.exhausted,env:prod,team:iam', hostname: 'ferry-1', service: 'grantex', message: JSON.stringify(list[1]) },
      { ddsource: 'grantex', ddtags: 'type:grant.revoked,env:prod,team:iam', hostname: 'ferry-1', service: 'grantex', message: JSON.stringify(list[2]), ferry: { v: 1, writer: 'w', seq: 3 } },
    ]);
    expect(exporter({ hostname: 'grantex-auth-service' })).toBeDefined();
  });

  it('uses the seed defaults: grantex source and service, the grantex-auth-service hostname', async () => {
    await send(exporter(), events(1));
    expect(intake.entries[0]).toMatchObject({ ddsource: 'grantex', service: 'grantex', hostname: 'grantex-auth-service' });
  });

  it('derives the intake URL from the site, unless an endpoint overrides it', () => {
    expect(intakeUrl({ site: 'datadoghq.eu', endpoint: undefined })).toBe('https://http-intake.logs.datadoghq.eu/api/v2/logs');
    expect(intakeUrl({ site: 'us5.datadoghq.com', endpoint: undefined })).toBe('https://http-intake.logs.us5.datadoghq.com/api/v2/logs');
    expect(intakeUrl({ site: 'datadoghq.com', endpoint: 'http://proxy:8080/api/v2/logs' })).toBe('http://proxy:8080/api/v2/logs');
  });

  it('keeps every request within 1000 entries and 5 MB, and rejects an entry over 1 MB without truncating it', async () => {
    const big = 'x'.repeat(900_000);
    const list = [...events(2500), { ...events(1)[0]!, id: 'evt_huge', data: { blob: big + big } }, ...events(6, { blob: big })];
    const result = (await send(exporter(), list)) as ExportResult;
    expect(intake.violations).toEqual([]);
    expect(intake.requests.every((r) => r.entries <= 1000 && r.bytes <= 5 * 1024 * 1024)).toBe(true);
    expect(intake.entries).toHaveLength(2506);
    expect(result.rejected?.map((r) => r.index)).toEqual([2500]);
    expect(isPermanent(result.rejected?.[0]?.error)).toBe(true);
    expect(result.rejected?.[0]?.error.message).toMatch(/over the Datadog intake's 1 MB per-entry limit/);
  });

  it('splits a batch the intake calls too large (413) until the halves fit, delivering each entry once', async () => {
    intake.faults.push({ tooLargeOver: 3 });
    expect(await send(exporter(), events(10))).toBeUndefined();
    intake.faults.length = 0;
    expect(intake.entries.map((e) => JSON.parse(e.message).id)).toEqual(events(10).map((e) => e.id));
    expect(intake.requests.filter((r) => r.status === 413).length).toBeGreaterThan(0);
  });

  it('retries 408, 429 (with Retry-After), 5xx and resets; 400, 401 and 403 are permanent, with the reason and never the key', async () => {
    const e = exporter();
    for (const [fault, permanent, wait] of [
      [{ status: 408 }, false, undefined],
      [{ status: 429, retryAfter: '3' }, false, 3000],
      [{ status: 503 }, false, undefined],
      [{ reset: true }, false, undefined],
      [{ status: 400, body: '{"errors":["bad payload"]}' }, true, undefined],
    ] as const) {
      intake.faults.push(fault);
      const error = await send(e, events(2)).catch((x: unknown) => x);
      expect([isPermanent(error), retryAfterOf(error)]).toEqual([permanent, wait]);
    }
    const wrongKey = await send(exporter({ apiKey: 'wrong_key_123456' }), events(1)).catch((x: unknown) => x);
    expect(isPermanent(wrongKey)).toBe(true);
    expect((wrongKey as Error).message).toBe('Datadog refused the API key for site datadoghq.com (403): check exporters.datadog.apiKey — {"errors":["Forbidden"]}');
    expect((wrongKey as Error).message).not.toContain('wrong_key_123456');
    expect(intake.entries).toEqual([]);
  });

  it('reports per entry when only part of a batch arrived', async () => {
    intake.faults.push({ status: 200 }, { status: 502 });
    const result = (await send(exporter(), events(1500))) as ExportResult;
    expect(result.rejected).toHaveLength(500);
    expect(result.rejected?.every((r) => !isPermanent(r.error))).toBe(true);
    expect(result.rejected?.[0]?.index).toBe(1000);
  });

  it('does not call the key-validation API when an endpoint overrides the site (proxies, tests)', async () => {
    await exporter().start();
    expect(intake.requests).toEqual([]);
  });
});
