import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { createBatch } from '@ferry/sdk';
import { configProblems, conformanceCases } from '@ferry/sdk/testkit';
import { archiveLines, ENVELOPE_VERSION } from '@ferry/archive';
import s3 from './index.js';
import { startS3Peer, type S3Peer } from './testing/index.js';
import { events, exporterOn, send } from './testing/fixtures.js';

let peer: S3Peer;
beforeAll(async () => {
  peer = await startS3Peer({ buckets: ['ferry-archive'] });
});
afterAll(() => peer.close());
afterEach(() => {
  expect(peer.violations).toEqual([]);
  expect(peer.faults).toEqual([]);
});

const exporter = (config: Parameters<typeof exporterOn>[2] = {}) => exporterOn(peer, 'ferry-archive', config);
const DAY_MS = 86_400_000;

describe('the s3 exporter', () => {
  describe('SDK conformance', () => {
    for (const c of conformanceCases(s3, {
      get config() {
        return { bucket: 'ferry-archive', endpoint: peer.endpoint, forcePathStyle: true, prefix: 'conformance' };
      },
      invalidConfigs: [
        { config: {}, because: 'bucket is required' },
        { config: { bucket: 'b' }, because: 'a bucket name has at least 3 characters' },
        { config: { bucket: 'bkt', compression: 'zip' }, because: 'compression is none or gzip' },
        { config: { bucket: 'bkt', layout: 'hourly' }, because: 'layout is daily, hive or flat' },
        { config: { bucket: 'bkt', objectLock: { mode: 'LEGAL_HOLD', retentionDays: 1 } }, because: 'the lock mode is GOVERNANCE or COMPLIANCE' },
        { config: { bucket: 'bkt', objectLock: { mode: 'COMPLIANCE' } }, because: 'a lock needs its period' },
      ],
      exportEvents: events(5),
    })) it(c.name, c.run);
  });

  it('writes one NDJSON object per batch under its dated key, with type, metadata and a line per event', async () => {
    const batch = await send(exporter({ prefix: 'plain' }));
    const [object, ...more] = await peer.objects('ferry-archive', 'plain/');
    expect(more).toEqual([]);
    expect(object?.key).toBe(`plain/2026-03-01/12-00-01.234Z-000000000000000042-${batch.id.slice(0, 12)}.ndjson`);
    expect(object?.contentType).toBe('application/x-ndjson');
    expect(object?.contentEncoding).toBeUndefined();
    expect(object?.metadata).toEqual({ 'ferry-envelope-version': String(ENVELOPE_VERSION), 'ferry-events': '3', 'ferry-first-seq': '42', 'ferry-batch-id': batch.id });
    expect(object?.body.toString()).toBe(`${archiveLines(batch).join('\n')}\n`);
    expect(object?.body.toString().split('\n').slice(0, -1).map((l) => JSON.parse(l))).toEqual(events(3).map((e) => ({ ...e, ferry: { v: ENVELOPE_VERSION } })));
  });

  it('gzips with Content-Encoding: gzip, and writes the hive and flat layouts', async () => {
    const batch = await send(exporter({ prefix: 'gz', compression: 'gzip', layout: 'hive' }));
    const [object] = await peer.objects('ferry-archive', 'gz/');
    expect(object?.key).toBe(`gz/dt=2026-03-01/12-00-01.234Z-000000000000000042-${batch.id.slice(0, 12)}.ndjson.gz`);
    expect(object?.contentType).toBe('application/x-ndjson');
    expect(object?.contentEncoding).toBe('gzip');
    expect(gunzipSync(object!.body).toString()).toBe(`${archiveLines(batch).join('\n')}\n`);
    await send(exporter({ prefix: 'flat', layout: 'flat' }));
    expect((await peer.objects('ferry-archive', 'flat/')).map((o) => o.key)).toEqual([`flat/2026-03-01T12-00-01-234Z-000000000000000042-${batch.id.slice(0, 12)}.ndjson`]);
  });

  it('keeps every event of a larger batch, in order, with lines that are not plain ASCII', async () => {
    const many = createBatch({ events: events(1000).map((e, i) => ({ ...e, data: { ...e.data, note: i % 7 ? 'ok' : 'quote " and \\ and \n newline, emoji 🚀' } })), receivedAt: Date.parse('2026-03-02T00:00:00Z'), firstSeq: 1000 });
    await send(exporter({ prefix: 'large', compression: 'gzip' }), many);
    const put = peer.received.find((r) => r.key.startsWith('large/'));
    expect(put?.records.map((r) => r.id)).toEqual(many.events.map((e) => e.id));
    expect(put?.records[0]).toEqual({ ...many.events[0], ferry: { v: ENVELOPE_VERSION } });
  });

  it('never turns a retried batch into two objects', async () => {
    const e = exporter({ prefix: 'retried' });
    const batch = createBatch({ events: events(4), receivedAt: Date.parse('2026-03-01T12:00:00Z'), firstSeq: 7 });
    await send(e, batch);
    await send(e, batch);
    // The same events re-read from the durable log after a restart: an equal batch.
    await send(exporter({ prefix: 'retried' }), createBatch({ lines: batch.lines, receivedAt: batch.receivedAt, firstSeq: batch.firstSeq }));
    expect(peer.received.filter((r) => r.key.startsWith('retried/'))).toHaveLength(3);
    const objects = await peer.objects('ferry-archive', 'retried/');
    expect(objects).toHaveLength(1);
    expect(objects[0]?.body.toString().split('\n')).toHaveLength(5);
  });

  it('writes no object for an empty batch', async () => {
    await send(exporter({ prefix: 'empty' }), createBatch({ events: [], receivedAt: Date.parse('2026-03-01T12:00:00Z'), firstSeq: 0 }));
    expect(await peer.objects('ferry-archive', 'empty/')).toEqual([]);
  });

  it('sends encryption, storage class and Object Lock with a Content-MD5 and no chunked checksum', async () => {
    const before = Date.now();
    await send(exporter({ prefix: 'worm', serverSideEncryption: 'aws:kms', kmsKeyId: 'alias/audit', storageClass: 'STANDARD_IA', objectLock: { mode: 'COMPLIANCE', retentionDays: 30 } }));
    const after = Date.now();
    const put = peer.received.find((r) => r.key.startsWith('worm/'));
    expect(put?.headers).toMatchObject({
      'x-amz-server-side-encryption': 'aws:kms',
      'x-amz-server-side-encryption-aws-kms-key-id': 'alias/audit',
      'x-amz-storage-class': 'STANDARD_IA',
      'x-amz-object-lock-mode': 'COMPLIANCE',
      'content-md5': expect.stringMatching(/^[A-Za-z0-9+/]{22}==$/),
    });
    const until = Date.parse(String(put?.headers['x-amz-object-lock-retain-until-date']));
    expect(until).toBeGreaterThanOrEqual(before + 30 * DAY_MS - 1000);
    expect(until).toBeLessThanOrEqual(after + 30 * DAY_MS);
    expect(Object.keys(put?.headers ?? {}).filter((h) => /checksum|trailer|decoded-content-length/.test(h))).toEqual([]);
    expect(put?.headers['content-encoding']).toBeUndefined();
  });

  it('sends SSE-S3 without a key id', async () => {
    await send(exporter({ prefix: 'sse-s3', serverSideEncryption: 'AES256' }));
    const put = peer.received.find((r) => r.key.startsWith('sse-s3/'));
    expect(put?.headers['x-amz-server-side-encryption']).toBe('AES256');
    expect(put?.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBeUndefined();
    expect(put?.headers['x-amz-object-lock-mode']).toBeUndefined();
  });

  it('refuses a KMS key without SSE-KMS in validate, before anything is created', () => {
    expect(configProblems(s3, { bucket: 'ferry-archive', kmsKeyId: 'alias/audit' })).toEqual(['kmsKeyId: set, but serverSideEncryption is unset — set serverSideEncryption to "aws:kms" to use the key']);
    expect(configProblems(s3, { bucket: 'ferry-archive', kmsKeyId: 'k', serverSideEncryption: 'AES256' })).toEqual(['kmsKeyId: set, but serverSideEncryption is "AES256" — set serverSideEncryption to "aws:kms" to use the key']);
    expect(configProblems(s3, { bucket: 'ferry-archive', kmsKeyId: 'k', serverSideEncryption: 'aws:kms' })).toEqual([]);
  });

  it('declares the seed batch size and a per-object size limit the host never exceeds', () => {
    expect(s3.batchDefaults).toEqual({ batchSize: 1000 });
    expect(s3.limits?.maxBatchBytes).toBe(256 * 1024 * 1024);
    expect(Object.keys(s3.configSchema.properties)).not.toContain('batchSize');
  });
});
