/**
 * Without storage, `service.memoryMaxBytes` bounds what a pipeline holds in memory: with
 * its destination down, the log fills to the bound and no further, the Grantex receiver
 * stops reading (the source keeps the rest), and when the destination returns every event
 * arrives exactly once — counted at the destination, the bound read from /metrics.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startGenerator } from '@ferry/generator';
import { ROOT } from '../support/ferry-process.js';
import { cleanAfterEach } from '../support/cleanups.js';
import { eventually } from '../support/archive.js';
import { tally } from '../support/id-tally.js';
import { freePort } from '../support/ports.js';
import { settle } from '../support/settle.js';
import { telemetryAt, valueOf } from '../support/telemetry.js';
import { workspace } from '../support/workspace.js';
import { expectBooksBalanced } from '../support/books.js';

const HTTP_EXPORTER = join(ROOT, 'test', 'custom-exporter', 'http-ndjson-exporter.ts');
const BOUND = 2 * 1024 * 1024;
// About 26 MB of events: many times the bound, the receiver's 1 MiB read-ahead and what the
// loopback connection buffers, so a bound that did not hold would take in all of them.
const TOTAL = 100_000;

const cleanups = cleanAfterEach();
const { ferry, sink } = cleanups;

describe('the in-memory bound (service.memoryMaxBytes)', () => {
  it('holds a pipeline without storage to its bound while the destination is down, pushes the source back, and then delivers every event once', async () => {
    const ws = await workspace();
    cleanups.push(ws.cleanup);
    const source = await startGenerator({ apiKey: 'k', mode: 'pull', total: TOTAL, seed: 91 });
    cleanups.push(() => source.close());
    const destination = await sink();
    destination.otherwise = { status: 503 };
    const port = await freePort();
    const run = ferry(
      await ws.config({
        plugins: [HTTP_EXPORTER],
        receivers: { grantex: { url: source.url, apiKey: 'k' } },
        processors: { batch: { batchSize: 1000, flushIntervalMs: 200 } },
        exporters: { http_ndjson: { url: destination.url, retry: { initialIntervalMs: 50, maxIntervalMs: 500 } } },
        service: { pipelines: { events: { receivers: ['grantex'], processors: ['batch'], exporters: ['http_ndjson'] } }, memoryMaxBytes: BOUND, telemetry: { address: `127.0.0.1:${port}` } },
      }),
    );
    await run.waitFor('collector started');
    const telemetry = telemetryAt(port);
    const metric = async (name: string, labels: Record<string, string>) => valueOf(await telemetry.metrics(), name, labels);
    const pipeline = { pipeline: 'events' };

    // The destination is down: what the receiver takes in stops growing once the log is full.
    const accepted = await settle(() => metric('ferry_receiver_accepted_events_total', { receiver: 'grantex' }), TOTAL, { quietMs: 2000, timeoutMs: 60_000 });
    expect(await metric('ferry_log_capacity_bytes', pipeline)).toBe(BOUND);
    const retained = await metric('ferry_log_retained_bytes', pipeline);
    // Filled, and no further: a hand-off from the receiver (up to its 1 MiB read-ahead) waits
    // while it does not fit beside what is held, so the log may stop short of the bound by up to that.
    expect(retained).toBeGreaterThan(BOUND / 4);
    expect(retained).toBeLessThanOrEqual(BOUND);
    expect(accepted).toBeLessThan(TOTAL / 2);
    expect(source.deliveredCount).toBeLessThan(TOTAL);
    expect(destination.events).toEqual([]);

    destination.otherwise = { status: 200 };
    await eventually(() => destination.events.length >= TOTAL, `all ${TOTAL} events at the destination (${destination.events.length} so far)`, 90_000);
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
    const received = tally([...source.delivered], destination.events, 'HTTP destination');
    expect({ missing: received.missing, duplicates: received.duplicates, unexpected: received.unexpected, altered: received.altered }, received.summary).toEqual({ missing: 0, duplicates: 0, unexpected: 0, altered: 0 });
    expect(source.delivered.length).toBe(TOTAL);
    expect(destination.malformed).toEqual([]);
    for (const books of expectBooksBalanced(run, ['http_ndjson'])) expect(books).toMatchObject({ accepted: TOTAL, delivered: TOTAL, deadLettered: 0, lost: 0, queued: 0 });
  }, 150_000);
});
