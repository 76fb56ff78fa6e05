import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { ConfigError, createBatch, isPermanent, retryAfterOf, type FerryEvent } from '@ferry/sdk';
import { conformanceCases, createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import { archiveLines } from '@ferry/archive';
import s3 from './index.js';
import { S3Exporter } from './exporter.js';
import type { S3Config } from './config.js';
import { startS3Peer, type S3Peer } from './testing/index.js';

let peer: S3Peer;
beforeAll(async () => {
  peer = await startS3Peer({ buckets: ['ferry-archive', 'ferry-hive'] });
});
afterAll(() => peer.close());

const events = (n: number, from = 0): FerryEvent[] =>
  Array.from({ length: n }, (_, i) => ({ id: `evt_${from + i}`, type: i % 2 ? 'token.issued' : 'grant.created', createdAt: '2026-03-01T12:00:00Z', data: { n: from + i, city: 'Zürich' } }));

function exporter(config: Partial<S3Config> = {}): S3Exporter {
  return s3.create(createTestContext(resolveConfig(s3.configSchema, { bucket: 'ferry-archive', endpoint: peer.endpoint, forcePathStyle: true, ...config }))) as S3Exporter;
}

const send = (e: S3Exporter, batch = createBatch({ events: events(3), receivedAt: Date.parse('2026-03-01T12:00:01.234Z'), firstSeq: 42 })) =>
  e.export(batch, { signal: new AbortController().signal, attempt: 1 }).then(() => batch);

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
      ],
      exportEvents: events(5),
    })) it(c.name, c.run);
  });

  it('writes one NDJSON object per batch under its dated key, with type, metadata and a line per event', async () => {
    const batch = await send(exporter({ prefix: 'plain' }));
    const [object] = await peer.objects('ferry-archive', 'plain/2026');
    expect(object?.key).toBe(`plain/2026-03-01/12-00-01.234Z-000000000000000042-${batch.id.slice(0, 12)}.ndjson`);
    expect(object?.contentType).toBe('application/x-ndjson');
    expect(object?.contentEncoding).toBeUndefined();
    expect(object?.metadata).toEqual({ 'ferry-envelope-version': '1', 'ferry-events': '3', 'ferry-first-seq': '42', 'ferry-batch-id': batch.id });
    expect(object?.body.toString()).toBe(`${archiveLines(batch).join('\n')}\n`);
    expect(object?.body.toString().split('\n').slice(0, -1).map((l) => JSON.parse(l))).toEqual(events(3).map((e) => ({ ...e, ferry: { v: 1 } })));
  });

  it('gzips with Content-Encoding: gzip, and writes the hive and flat layouts', async () => {
    const batch = await send(exporter({ prefix: 'gz', compression: 'gzip', layout: 'hive' }));
    const [object] = await peer.objects('ferry-archive', 'gz/dt=');
    expect(object?.key).toBe(`gz/dt=2026-03-01/12-00-01.234Z-000000000000000042-${batch.id.slice(0, 12)}.ndjson.gz`);
    expect(object?.contentEncoding).toBe('gzip');
    expect(gunzipSync(object!.body).toString()).toBe(`${archiveLines(batch).join('\n')}\n`);
    await send(exporter({ prefix: 'flat', layout: 'flat' }));
    expect((await peer.objects('ferry-archive', 'flat/')).map((o) => o.key)).toEqual([`flat/2026-03-01T12-00-01-234Z-000000000000000042-${batch.id.slice(0, 12)}.ndjson`]);
  });

  it('never turns a retried batch into two objects', async () => {
    const e = exporter({ prefix: 'retried' });
    const batch = createBatch({ events: events(4), receivedAt: Date.parse('2026-03-01T12:00:00Z'), firstSeq: 7 });
    await send(e, batch);
    await send(e, batch);
    await send(e, createBatch({ lines: batch.lines, receivedAt: batch.receivedAt, firstSeq: batch.firstSeq }));
    expect(await peer.objects('ferry-archive', 'retried/')).toHaveLength(1);
  });

  it('checks at start that the bucket can be written, naming a missing bucket or a refused permission', async () => {
    await exporter({ prefix: 'start' }).start();
    expect((await peer.objects('ferry-archive', 'start/_ferry/')).map((o) => o.key)).toEqual(['start/_ferry/write-check.json']);
    const missing = await exporter({ bucket: 'no-such-bucket' }).start().catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ConfigError);
    expect((missing as Error).message).toBe('bucket "no-such-bucket" does not exist');
    const saved = process.env.AWS_ACCESS_KEY_ID;
    process.env.AWS_ACCESS_KEY_ID = 'AKIAWRONGKEY000';
    try {
      const refused = await exporter().start().catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ConfigError);
      expect((refused as Error).message).toBe('s3:PutObject was refused on bucket "ferry-archive": InvalidAccessKeyId (403); check the credentials and that the IAM policy allows s3:PutObject on arn:aws:s3:::ferry-archive/*');
      expect((refused as Error).message).not.toContain('AKIAWRONGKEY000');
    } finally {
      process.env.AWS_ACCESS_KEY_ID = saved;
    }
    const unreachable = await exporter({ endpoint: 'http://127.0.0.1:9' }).start().catch((e: unknown) => e);
    expect(isPermanent(unreachable)).toBe(false);
  });

  it('classifies injected failures on the real SDK: 500, SlowDown and resets are retried, with Retry-After; nothing is half-written', async () => {
    const e = exporter({ prefix: 'faults' });
    peer.faults.push({ status: 500, code: 'InternalError' });
    const internal = await send(e).catch((x: unknown) => x);
    expect([isPermanent(internal), (internal as Error).message]).toEqual([false, 'S3 answered InternalError (500) for bucket "ferry-archive"']);
    peer.faults.push({ status: 503, code: 'SlowDown' });
    expect(isPermanent(await send(e).catch((x: unknown) => x))).toBe(false);
    peer.faults.push({ reset: true });
    const reset = await send(e).catch((x: unknown) => x);
    expect(isPermanent(reset)).toBe(false);
    expect((reset as Error).message).toMatch(/^cannot reach S3 for bucket "ferry-archive"/);
    expect(retryAfterOf(internal)).toBeUndefined();
    expect(await peer.objects('ferry-archive', 'faults/')).toEqual([]);
    await send(e);
    expect(await peer.objects('ferry-archive', 'faults/')).toHaveLength(1);
  });
});
