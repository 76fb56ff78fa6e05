import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startGenerator, type GeneratorServer } from '@ferry/generator';
import { startDatadogPeer, type DatadogPeer } from '@ferry/exporter-datadog/testing';
import { ferry, runFerry } from '../support/ferry-process.js';
import { eventually } from '../support/archive.js';
import { workspace } from '../support/workspace.js';
import { expectBooksBalanced } from '../support/books.js';
import { freePort } from '../support/ports.js';
import { componentStatus, telemetryAt, valueOf } from '../support/telemetry.js';

const DD_KEY = 'dd_e2e_key_0123456789';
const REVOKED = 'dd_revoked_key_987654';
const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A Datadog key that stops working (revoked, rotated) while events flow: Ferry used to
 * dead-letter every batch against it without a word from the exporter. Now the events stay
 * queued, the exporter says once what to fix and `/status` shows it failed, and a SIGHUP
 * with the right key delivers them all.
 */
describe('a Datadog key refused at export', () => {
  it('holds the events queued (no dead letter), reports the exporter failed, and delivers everything after a reload with the right key', async () => {
    const intake: DatadogPeer = await startDatadogPeer({ apiKey: DD_KEY });
    cleanups.push(() => intake.close());
    const source: GeneratorServer = await startGenerator({ apiKey: 'k', mode: 'pull', total: 300, seed: 47 });
    cleanups.push(() => source.close());
    const ws = await workspace();
    cleanups.push(ws.cleanup);
    const telemetryPort = await freePort();
    const config = (apiKey: string) => ({
      storage: { directory: join(ws.dir, 'storage') },
      receivers: { grantex: { url: source.url, apiKey: 'k' } },
      // The start check would refuse the key outright; a key revoked while running is what this is about.
      exporters: { datadog: { apiKey, endpoint: intake.url, validateApiKey: false, flushIntervalMs: 50, retry: { initialIntervalMs: 20, maxIntervalMs: 200 } } },
      service: { pipelines: { events: { receivers: ['grantex'], exporters: ['datadog'] } }, telemetry: { address: `127.0.0.1:${telemetryPort}` } },
    });
    const file = await ws.config(config(REVOKED), 'collector.config.json');
    const run = runFerry(['run', '--config', file]);
    cleanups.push(async () => {
      if (run.child.exitCode === null) run.signal('SIGKILL');
      await run.exited;
    });
    const telemetry = telemetryAt(telemetryPort);

    await source.waitForDelivered(300);
    // JSON log lines: the message's quotes are escaped.
    const refusal = 'exporter \\"datadog\\" has a configuration problem: Datadog refused the API key sent to endpoint';
    await eventually(() => run.stderr().includes(refusal), `the exporter to report the refused key\n${run.stderr().slice(-3000)}`);
    await eventually(async () => componentStatus((await telemetry.status()).body, 'events', 'exporter:datadog')?.status === 'permanent_error', '/status to show the exporter failed');
    // Held through several more attempts: reported once, nothing dead-lettered, nothing at Datadog.
    const failedAttempts = async () => valueOf(await telemetry.metrics(), 'ferry_exporter_failed_attempts_total', { exporter: 'datadog', pipeline: 'events' });
    await eventually(async () => (await failedAttempts()) >= 6, 'several refused attempts');
    expect(run.stderr().split(refusal).length - 1).toBe(1);
    expect(run.stderr()).toContain('check exporters.datadog.apiKey');
    expect(run.stderr()).toContain('its events stay queued, not dead-lettered');
    expect(run.stderr()).not.toContain('events dead-lettered');
    expect(run.stderr()).not.toContain(REVOKED);
    expect(intake.entries).toEqual([]);

    await ws.config(config(DD_KEY), 'collector.config.json');
    run.signal('SIGHUP');
    await eventually(() => new Set(intake.entries.map((e) => (JSON.parse(e.message) as { id: string }).id)).size === 300, 'every event at Datadog after the reload');
    await eventually(async () => componentStatus((await telemetry.status()).body, 'events', 'exporter:datadog')?.status === 'ok', '/status to show the exporter working again');
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
    const [books] = expectBooksBalanced(run, ['datadog']);
    expect(books).toMatchObject({ accepted: 300, delivered: 300, deadLettered: 0, queued: 0 });
    const letters = await ferry(['dlq', 'list', '--config', file]);
    expect([letters.status, letters.stdout]).toEqual([0, 'exporter "datadog" in pipeline "events": 300 accepted = 300 delivered + 0 dead-lettered + 0 lost to damage + 0 queued\nno dead letters\n']);
    expect(intake.violations.filter((v) => !v.includes('API key'))).toEqual([]);
  });
});
