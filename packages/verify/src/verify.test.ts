import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, unlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PutObjectCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { createBatch, type FerryEvent, type Processor } from '@ferry/sdk';
import { createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import { archiveKey, encodeObject, type Compression } from '@ferry/archive';
import integrity from '@ferry/processor-integrity';
import redact from '@ferry/processor-redact';
import { startS3Peer, type S3Peer } from '@ferry/exporter-s3/testing';
import { verifyArchive, renderReport } from './index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-verify-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const events = (n: number, from = 0): FerryEvent[] =>
  Array.from({ length: n }, (_, i) => ({ id: `evt_${from + i}`, type: 'grant.created', createdAt: `2026-03-0${1 + Math.floor((from + i) / 20)}T12:00:00Z`, data: { n: from + i, principalId: `user-${from + i}` } }));

function chain(writerId: string, secret?: string): Processor {
  return integrity.create(createTestContext(resolveConfig(integrity.configSchema, { writerId, ...(secret ? { secret } : {}) }), { storageDirectory: '/tmp' }));
}

/** Writes `batches` of linked events as archive objects; returns their keys in order. */
async function archive(processor: Processor, batches: number[], options: { compression?: Compression; start?: number; firstSeq?: number; prefix?: string } = {}): Promise<string[]> {
  const keys: string[] = [];
  let next = options.start ?? 0;
  let seq = options.firstSeq ?? 0;
  for (const [i, size] of batches.entries()) {
    const linked = processor.process!(events(size, next)) as FerryEvent[];
    const batch = createBatch({ events: linked, receivedAt: Date.parse('2026-03-01T12:00:00Z') + (options.start ?? 0) * 1000 + i * 1000, firstSeq: seq });
    const key = archiveKey({ prefix: options.prefix ?? 'grantex-events', layout: 'daily', compression: options.compression ?? 'none', receivedAt: batch.receivedAt, firstSeq: seq, batchId: batch.id });
    await mkdir(dirname(join(dir, key)), { recursive: true });
    await writeFile(join(dir, key), await encodeObject(batch, options.compression ?? 'none'));
    keys.push(key);
    next += size;
    seq += size;
  }
  return keys;
}

async function editLines(key: string, edit: (lines: string[]) => string[]): Promise<void> {
  const path = join(dir, key);
  const text = (await readFile(path, 'utf8')).split('\n').filter(Boolean);
  await writeFile(path, `${edit(text).join('\n')}\n`);
}

describe('ferry verify (the library)', () => {
  it('passes an intact archive, counting records per writer and per day', async () => {
    await archive(chain('w1'), [10, 10, 10, 10]);
    const report = await verifyArchive(dir);
    expect(report.ok).toBe(true);
    expect(report.writers).toEqual([{ writer: 'w1', verified: 40, firstSeq: 1, lastSeq: 40, duplicates: 0, gaps: [], broken: undefined }]);
    expect(report.perDay).toEqual({ '2026-03-01': 20, '2026-03-02': 20 });
    expect(renderReport(report)).toMatch(/^OK: .* — 4 objects, 40 records\n {2}writer w1: 40 records verified \(seq 1–40\)/);
  });

  it('finds a changed field, naming the object and line', async () => {
    const keys = await archive(chain('w1'), [10, 10]);
    await editLines(keys[1]!, (lines) => lines.map((l, i) => (i === 3 ? l.replace('"user-13"', '"user-666"') : l)));
    const report = await verifyArchive(dir);
    expect(report.ok).toBe(false);
    expect(report.writers[0]?.broken).toEqual({ key: keys[1], line: 4, problem: 'record 14 does not match its hash: it was modified, or forged without the chain\'s key' });
  });

  it('finds a deleted line as missing records between two places', async () => {
    const keys = await archive(chain('w1'), [10, 10]);
    await editLines(keys[0]!, (lines) => lines.filter((_, i) => i !== 4));
    const report = await verifyArchive(dir);
    expect(report.ok).toBe(false);
    expect(report.writers[0]?.gaps).toEqual([{ from: 5, to: 5, after: { key: keys[0], line: 4 }, before: { key: keys[0], line: 5 } }]);
    expect(renderReport(report)).toContain(`MISSING records 5–5: between ${keys[0]}:4 and ${keys[0]}:5`);
  });

  it('finds a swapped pair', async () => {
    const keys = await archive(chain('w1'), [10]);
    await editLines(keys[0]!, (lines) => [lines[0]!, lines[2]!, lines[1]!, ...lines.slice(3)]);
    const report = await verifyArchive(dir);
    expect(report.ok).toBe(false);
    expect(report.writers[0]?.broken).toEqual({ key: keys[0], line: 3, problem: 'record 2 comes after record 3: inserted or reordered' });
  });

  it('finds an inserted forged event, even one with a recomputed SHA-256 link', async () => {
    const keys = await archive(chain('w1'), [10]);
    await editLines(keys[0]!, (lines) => {
      const previous = JSON.parse(lines[4]!) as FerryEvent & { ferry: Record<string, unknown> };
      const forgedChain = chain('w1');
      forgedChain.restore!({ writer: 'w1', seq: 5, hash: previous.ferry.hash as string });
      const [forged] = forgedChain.process!([{ id: 'evt_forged', type: 'grant.revoked', createdAt: '2026-03-01T12:00:00Z', data: {} }]) as FerryEvent[];
      return [...lines.slice(0, 5), JSON.stringify(forged), ...lines.slice(5)];
    });
    const report = await verifyArchive(dir);
    expect(report.ok).toBe(false);
    expect(report.writers[0]?.broken).toEqual({ key: keys[0], line: 7, problem: 'record 6 comes after record 6: inserted or reordered' });
  });

  it('finds a deleted object, naming the objects around it', async () => {
    const keys = await archive(chain('w1'), [10, 10, 10]);
    await unlink(join(dir, keys[1]!));
    const report = await verifyArchive(dir);
    expect(report.writers[0]?.gaps).toEqual([{ from: 11, to: 20, after: { key: keys[0], line: 10 }, before: { key: keys[2], line: 1 } }]);
    expect(report.ok).toBe(false);
  });

  it('finds a truncated gzip object, with the line where it ends', async () => {
    const keys = await archive(chain('w1'), [10, 10], { compression: 'gzip' });
    const path = join(dir, keys[0]!);
    const whole = await readFile(path);
    await writeFile(path, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const report = await verifyArchive(dir);
    expect(report.ok).toBe(false);
    expect(report.damaged[0]?.key).toBe(keys[0]);
    expect(report.damaged[0]?.problem).toMatch(/^the object cannot be read past line \d+: unexpected end of file/);
    expect(gunzipSync(whole).toString().split('\n').length).toBeGreaterThan(report.damaged[0]!.line);
  });

  it('reports duplicates identical to their original as at-least-once delivery, not tampering', async () => {
    const keys = await archive(chain('w1'), [10, 10]);
    const repeated = (await readFile(join(dir, keys[0]!), 'utf8')).split('\n').filter(Boolean).slice(6);
    await editLines(keys[1]!, (lines) => [...repeated, ...lines]);
    const report = await verifyArchive(dir);
    expect(report.ok).toBe(true);
    expect(report.writers[0]?.duplicates).toBe(4);
    expect(renderReport(report)).toContain('4 duplicates identical to their original (at-least-once delivery, not tampering)');
  });

  it('verifies two writers in one prefix independently', async () => {
    const a = chain('writer-a');
    const b = chain('writer-b');
    await archive(a, [5, 5], { start: 0 });
    await archive(b, [7], { start: 100, firstSeq: 0 });
    const report = await verifyArchive(dir);
    expect(report.ok).toBe(true);
    expect(report.writers.map((w) => [w.writer, w.verified])).toEqual([['writer-a', 10], ['writer-b', 7]]);
  });

  it('checks HMAC chains with the secret, and fails clearly without it or with a wrong one', async () => {
    await archive(chain('w1', 'chain-secret-0123456789'), [5]);
    expect((await verifyArchive(dir, { secret: 'chain-secret-0123456789' })).ok).toBe(true);
    const missing = await verifyArchive(dir);
    expect(missing.writers[0]?.broken?.problem).toMatch(/cannot check an hmac-sha256 link: an HMAC chain needs its secret/);
    const wrong = await verifyArchive(dir, { secret: 'another-secret-987654' });
    expect(wrong.writers[0]?.broken?.problem).toMatch(/does not match its hash/);
  });

  it('verifies a chain over redacted events', async () => {
    const redactor = redact.create(createTestContext(resolveConfig(redact.configSchema, { rules: [{ hash: ['data.principalId'] }], secret: 'a-redaction-secret' })));
    const linker = chain('w1');
    const both: Processor = { process: (list) => linker.process!(redactor.process!(list) as FerryEvent[]) };
    const keys = await archive(both, [10]);
    const first = JSON.parse((await readFile(join(dir, keys[0]!), 'utf8')).split('\n')[0]!) as FerryEvent;
    expect(String(first.data.principalId)).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect((await verifyArchive(dir)).ok).toBe(true);
  });

  it('fails an archive written without the integrity processor', async () => {
    const key = archiveKey({ prefix: 'p', layout: 'daily', compression: 'none', receivedAt: Date.now(), firstSeq: 0, batchId: 'abc' });
    await mkdir(dirname(join(dir, key)), { recursive: true });
    await writeFile(join(dir, key), await encodeObject(createBatch(events(3)), 'none'));
    const report = await verifyArchive(dir);
    expect(report.ok).toBe(false);
    expect(renderReport(report)).toContain('no integrity chain found');
  });

  describe('on an S3-compatible server', () => {
    let peer: S3Peer;
    beforeAll(async () => {
      peer = await startS3Peer({ buckets: ['audit-archive'] });
    });
    afterAll(() => peer.close());

    it('reads the objects of a prefix in key order, gzip or not, and finds a deleted object', async () => {
      const keys = await archive(chain('s3-writer'), [10, 10, 10], { compression: 'gzip', prefix: 'grantex-events' });
      for (const key of keys) await peer.client.send(new PutObjectCommand({ Bucket: 'audit-archive', Key: key, Body: await readFile(join(dir, key)) }));
      await peer.client.send(new PutObjectCommand({ Bucket: 'audit-archive', Key: 'grantex-events/_ferry/write-check.json', Body: '{}' }));
      const options = { endpoint: peer.endpoint, forcePathStyle: true };
      const intact = await verifyArchive('s3://audit-archive/grantex-events', options);
      expect([intact.ok, intact.objects, intact.writers[0]?.verified]).toEqual([true, 3, 30]);
      await peer.client.send(new DeleteObjectCommand({ Bucket: 'audit-archive', Key: keys[2] }));
      await peer.client.send(new PutObjectCommand({ Bucket: 'audit-archive', Key: keys[0], Body: gzipSync(Buffer.from('{"not":"a chained record"}\n')) }));
      const tampered = await verifyArchive('s3://audit-archive/grantex-events', options);
      expect(tampered.ok).toBe(false);
      expect(tampered.unchained).toBe(1);
      expect(tampered.writers[0]?.gaps[0]).toMatchObject({ from: 1, to: 10 });
    });
  });
});
