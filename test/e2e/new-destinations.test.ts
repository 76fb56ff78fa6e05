import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startGenerator } from '@ferry/generator';
import { startHttpPeer } from '@ferry/exporter-http/testing';
import { startHecPeer } from '@ferry/exporter-splunk-hec/testing';
import { startOtlpPeer } from '@ferry/otlp/testing';
import { eventually } from '../support/archive.js';
import { workspace } from '../support/workspace.js';
import { freePort } from '../support/ports.js';
import { expectBooksBalanced } from '../support/books.js';
import { cleanAfterEach } from '../support/cleanups.js';

const cleanups = cleanAfterEach();
const HEC_TOKEN = '11111111-2222-3333-4444-555555555555';
const SECRET = 'e2e-signing-secret-0123';

describe('ferry run: the http, splunk_hec and otlp exporters and the otlp receiver, through the binary with faults', () => {
  it('delivers every event from SSE and OTLP to all three destinations despite 5xx, busy, lost acks and resets; books balanced after SIGTERM', async () => {
    const source = await startGenerator({ apiKey: 'k', mode: 'pull', total: 300, seed: 41 });
    const http = await startHttpPeer({ secret: SECRET });
    const hec = await startHecPeer({ token: HEC_TOKEN, ack: true });
    const otlp = await startOtlpPeer();
    for (const server of [source, http, hec, otlp]) cleanups.push(() => server.close());
    http.inject({ status: 503, retryAfter: '0' }, 3);
    http.inject({ reset: true });
    hec.inject({ status: 503, code: 9, text: 'Server is busy' }, 2);
    hec.loseAcks(1);
    otlp.inject({ status: 502 }, 2);
    otlp.inject({ reset: true });
    const port = await freePort();
    const ws = await workspace();
    cleanups.push(ws.cleanup);
    const fast = { flushIntervalMs: 50, retry: { initialIntervalMs: 50, maxIntervalMs: 200 } };
    const run = cleanups.ferry(
      await ws.config({
        storage: { directory: join(ws.dir, 'storage') },
        receivers: { grantex: { url: source.url, apiKey: 'k' }, otlp: { endpoint: `127.0.0.1:${port}` } },
        exporters: {
          http: { url: http.url, secret: SECRET, ...fast },
          splunk_hec: { hecUrl: hec.url, hecToken: '${env:HEC_TOKEN}', useAck: true, ackPollIntervalMs: 50, ackTimeoutMs: 500, ...fast },
          otlp: { endpoint: otlp.url, ...fast },
        },
        service: { pipelines: { events: { receivers: ['grantex', 'otlp'], exporters: ['http', 'splunk_hec', 'otlp'] } } },
      }),
      { HEC_TOKEN },
    );
    await source.waitForDelivered(300);
    // An application's logs through Ferry's OTLP receiver, answered only once on disk.
    await run.waitFor('listening for OTLP/HTTP logs');
    const records = Array.from({ length: 20 }, (_, i) => ({ timeUnixNano: String(1772366400000000000n + BigInt(i)), eventName: 'app.audit', body: { kvlistValue: { values: [{ key: 'n', value: { intValue: String(i) } }] } } }));
    const answer = await fetch(`http://127.0.0.1:${port}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: records }] }] }) });
    expect(answer.status).toBe(200);
    const expected = [...source.delivered.map((e) => e.id)];
    await eventually(() => new Set(http.ids()).size === 320 && new Set(hec.indexed).size === 320 && new Set(otlp.ids()).size === 320, 'every destination to have all 320 events');
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
    for (const books of expectBooksBalanced(run, ['http', 'splunk_hec', 'otlp'])) expect(books).toMatchObject({ accepted: 320, delivered: 320, deadLettered: 0, queued: 0 });
    for (const ids of [http.ids(), otlp.ids(), hec.indexed.map((t) => (JSON.parse(t) as { id: string }).id)]) {
      expect(new Set(ids).size).toBe(320);
      expect(ids.filter((id) => id.startsWith('evt_'))).toEqual(expect.arrayContaining(expected));
    }
    expect([...http.violations, ...hec.violations, ...otlp.violations]).toEqual([]);
    // Each event reached HTTP and Splunk as the exact text the source sent.
    const texts = new Map(source.delivered.map((e) => [e.id, JSON.stringify(e)]));
    for (const text of [...http.received, ...hec.received.map((e) => e.text)]) {
      const id = (JSON.parse(text) as { id: string }).id;
      if (texts.has(id)) expect(text).toBe(texts.get(id));
    }
  });
});
