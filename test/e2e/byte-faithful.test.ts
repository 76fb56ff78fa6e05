import { describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { memberTexts } from '@ferry/sdk';
import { startS3Peer } from '@ferry/exporter-s3/testing';
import { startBigQueryPeer } from '@ferry/exporter-bigquery/testing';
import { startDatadogIntake } from '@ferry/exporter-datadog/testing';
import { ferry } from '../support/ferry-process.js';
import { eventually, readArchiveLines } from '../support/archive.js';
import { workspace } from '../support/workspace.js';
import { freePort } from '../support/ports.js';
import { expectBooksBalanced } from '../support/books.js';
import { cleanAfterEach } from '../support/cleanups.js';

const cleanups = cleanAfterEach();
const DD_KEY = 'dd_faithful_key_0123456789';
const TOKEN = 'faithful-ingest-token';
const SECRET = 'faithful-chain-secret-0123';

/** `data` texts that parsing and re-serializing would change. */
const DATA = {
  big: '{"spent":12345678901234567891,"limit":9007199254740993,"neg":-9007199254740995,"f":1.10,"e":1E+2}',
  keys: '{"b":1,"10":"ten","2":"two","a":{"1":"x","0":"y"}}',
  unicode: '{"s":"caf\\u00e9 café \\ud83d\\ude80 🚀 \\u2028 \\"q\\" \\/ /","lone":"\\udc00","tab":"\\t"}',
  deep: `{"d":${'{"n":['.repeat(40)}1${']}'.repeat(40)}}`,
  spaced: '{ "a" : [ 1 , 2 ] , "b" : { } }',
};

function source(id: string, data: string): string {
  return `{"id":"${id}", "type":"budget.threshold","createdAt":"2026-03-01T12:00:00Z","data":${data}}`;
}

/** A Grantex-style SSE stream serving these texts as `data:` lines, then keepalives only. */
async function sseSource(texts: readonly string[]): Promise<string> {
  const server = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write(texts.map((text) => `data: ${text}\n\n`).join(''));
    request.on('close', () => response.end());
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise((closed) => server.close(closed));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('byte-faithful events: the source text reaches every destination', () => {
  it('keeps every byte of data from SSE and webhooks to the file archive, S3, BigQuery and Datadog, chained and verified', async () => {
    const s3 = await startS3Peer({ buckets: ['faithful'] });
    const bigquery = await startBigQueryPeer({ project: 'acme', dataset: 'grantex', tables: ['events'] });
    const datadog = await startDatadogIntake({ apiKey: DD_KEY });
    cleanups.push(() => s3.close());
    cleanups.push(() => bigquery.close());
    cleanups.push(() => datadog.close());
    const viaSse = Object.entries(DATA).map(([name, data]) => source(`evt_sse_${name}`, data));
    const viaNdjson = Object.entries(DATA).map(([name, data]) => source(`evt_ndjson_${name}`, data));
    const viaArray = Object.entries(DATA).map(([name, data]) => source(`evt_array_${name}`, data));
    const all = [...viaSse, ...viaNdjson, ...viaArray];
    const url = await sseSource(viaSse);
    const port = await freePort();
    const ws = await workspace();
    cleanups.push(ws.cleanup);
    const archive = join(ws.dir, 'archive');
    const fast = { flushIntervalMs: 50, retry: { initialIntervalMs: 50, maxIntervalMs: 200 } };
    const run = cleanups.ferry(
      await ws.config({
        storage: { directory: join(ws.dir, 'storage') },
        receivers: { grantex: { url, apiKey: 'k' }, webhook: { endpoint: `127.0.0.1:${port}`, mode: 'generic', token: TOKEN } },
        processors: { integrity: { writerId: 'faithful', secret: SECRET } },
        exporters: {
          file: { directory: archive, ...fast },
          s3: { bucket: 'faithful', endpoint: s3.endpoint, forcePathStyle: true, compression: 'gzip', ...fast },
          bigquery: { projectId: 'acme', datasetId: 'grantex', tableId: 'events', apiEndpoint: bigquery.url, anonymous: true, ...fast },
          datadog: { apiKey: DD_KEY, endpoint: datadog.url, ...fast },
        },
        service: { pipelines: { events: { receivers: ['grantex', 'webhook'], processors: ['integrity'], exporters: ['file', 's3', 'bigquery', 'datadog'] } } },
      }),
      { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_REGION: 'us-east-1' },
    );
    await run.waitFor('collector started');
    const post = (body: string, type: string) =>
      fetch(`http://127.0.0.1:${port}/webhooks/grantex`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': type }, body });
    expect((await post(viaNdjson.join('\n'), 'application/x-ndjson')).status).toBe(200);
    expect((await post(`[\n${viaArray.join(',\n  ')}\n]`, 'application/json')).status).toBe(200);

    const s3Lines = async () => (await s3.objects('faithful', 'grantex-events/2')).flatMap((o) => gunzipSync(o.body).toString('utf8').split('\n').filter(Boolean));
    const rows = () => bigquery.tables.get('events')!.rows;
    await eventually(
      async () => (await readArchiveLines(archive)).length === all.length && (await s3Lines()).length === all.length && rows().length === all.length && datadog.entries.length === all.length,
      'every destination to have every event',
    );
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
    expectBooksBalanced(run, ['file', 's3', 'bigquery', 'datadog']);

    const byId = (lines: readonly string[]) => new Map(lines.map((line) => [JSON.parse(memberTexts(line, ['id']).id as string) as string, line]));
    const file = byId(await readArchiveLines(archive));
    const objects = byId(await s3Lines());
    const messages = byId(datadog.entries.map((entry) => entry.message));
    const columns = new Map(rows().map((row) => [row.insertId, row.json.data]));
    for (const text of all) {
      const id = JSON.parse(memberTexts(text, ['id']).id as string) as string;
      const data = memberTexts(text, ['data']).data as string;
      // The stored record is the source's text, byte for byte, with the link appended.
      for (const [where, lines] of [['file', file], ['s3', objects], ['datadog', messages]] as const) {
        expect(lines.get(id)?.startsWith(`${text.slice(0, -1)},"ferry":{"v":3,"writer":"faithful",`), `${where}: ${id}`).toBe(true);
        expect(memberTexts(lines.get(id) as string, ['data']).data, `${where}: ${id}`).toBe(data);
      }
      expect(columns.get(id), `bigquery: ${id}`).toBe(data);
    }
    const verified = await ferry(['verify', archive, '--json'], { env: { FERRY_VERIFY_SECRET: SECRET } });
    expect(verified.status, verified.stdout).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, records: all.length, writers: [{ writer: 'faithful', verified: all.length }] });
  });
});
