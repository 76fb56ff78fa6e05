import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { decodeEvent, type FerryEvent } from '@ferry/sdk';
import { createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import { canonicalize } from '@ferry/archive';
import redact from '@ferry/processor-redact';
import { startS3Peer, type S3Peer } from '@ferry/exporter-s3/testing';
import { readVerifySecret, renderHtml, renderReport, verificationRecord, verifyArchive } from './index.js';
import { archiveWriter, chain, chainV1, chainV2, events, ingest, type ArchiveWriter } from './testing/archive.js';

let archive: ArchiveWriter;
beforeEach(async () => {
  archive = archiveWriter(await mkdtemp(join(tmpdir(), 'ferry-verify-')));
});
afterEach(() => rm(archive.dir, { recursive: true, force: true }));

/** `sizes` batches through one writer's chain, numbered on from `from`. */
function linked(writer: ReturnType<typeof chain>, sizes: number[], from = 0): FerryEvent[][] {
  let next = from;
  return sizes.map((size) => {
    const batch = ingest([writer], events(size, next));
    next += size;
    return batch;
  });
}

const SECRET = 'chain-secret-0123456789';

describe('verifyArchive on a directory', () => {
  it('passes an intact archive across objects, days and gzip, counting records per writer and per day', async () => {
    const w = chain('w1');
    await archive.write(linked(w, [10, 10]), { compression: 'gzip' });
    await archive.write(linked(w, [10, 10], 20));
    const report = await verifyArchive(archive.dir);
    expect(report.ok).toBe(true);
    expect(report.writers).toEqual([
      { writer: 'w1', alg: 'sha256', verified: 40, beforeArchive: 0, firstSeq: 1, lastSeq: 40, duplicates: 0, gaps: [], epochs: [], unsealed: [], broken: undefined, problems: [], problemCount: 0 },
    ]);
    expect(report).toMatchObject({ objects: 4, records: 40, unchained: 0, reformatted: 0, damaged: [], perDay: { '2026-03-01': 20, '2026-03-02': 20 } });
    expect(renderReport(report)).toMatch(/^OK: .* — 4 objects, 40 records\n {2}writer w1: 40 records verified \(seq 1–40\), sha256\n/);
  });

  it('finds a changed field, naming the block of records that holds it by object and lines', async () => {
    const keys = await archive.write(linked(chain('w1'), [10, 10, 10]));
    await archive.edit(keys[1]!, (lines) => lines.map((l, i) => (i === 3 ? l.replace('"user-13"', '"user-666"') : l)));
    const report = await verifyArchive(archive.dir);
    expect(report.ok).toBe(false);
    const problem = `records 11–20 (${keys[1]}:1 to ${keys[1]}:10) do not match their block's hash (record 20): one of them was modified, or forged without the chain's key`;
    expect(report.writers[0]?.broken).toEqual({ key: keys[1], line: 1, kind: 'modified', seq: 11, problem });
    expect(report.writers[0]?.problemCount).toBe(1); // the chain resumes after it: one change, one problem
    expect(report.writers[0]).toMatchObject({ verified: 20, lastSeq: 30 });
    expect(renderReport(report)).toContain(`BROKEN at ${keys[1]}:1: ${problem}`);
  });

  it('finds a block spread over two objects, and a change in either part', async () => {
    const w = chain('w1');
    const [batch] = linked(w, [12]);
    const keys = await archive.write([batch!.slice(0, 5), batch!.slice(5)]);
    expect(await verifyArchive(archive.dir)).toMatchObject({ ok: true, records: 12 });
    await archive.edit(keys[0]!, (lines) => lines.map((l, i) => (i === 2 ? l.replace('"n":2', '"n":3') : l)));
    expect((await verifyArchive(archive.dir)).writers[0]?.broken).toMatchObject({ key: keys[0], line: 1, kind: 'modified', seq: 1 });
  });

  it('finds a seal made into a member (its hash taken out) as a block that does not hold together', async () => {
    const keys = await archive.write(linked(chain('w1'), [10, 10]));
    await archive.edit(keys[0]!, (lines) => lines.map((l, i) => (i === 9 ? l.replace(/,"alg":.*\}\}$/, '}}') : l)));
    const report = await verifyArchive(archive.dir);
    expect(report.writers[0]?.broken).toMatchObject({
      key: keys[0],
      line: 1,
      kind: 'modified',
      problem: `records 1–20 (${keys[0]}:1 to ${keys[1]}:10) are not the block record 20 seals (records 11–20): a seal was removed or records were inserted`,
    });
  });

  it('verifies records that carry an upstream Ferry\'s envelope (a tiered setup), members and seals alike', async () => {
    const edge = chain('edge-1');
    const fromEdge = ingest([edge], events(20)); // the edge's records, as the core's receiver decodes them
    const core = chain('core-1');
    const keys = await archive.write([ingest([core], fromEdge)]);
    const lines = await archive.lines(keys[0]!);
    expect(lines[0]).toMatch(/,"ferry":\{"v":3,"writer":"core-1","seq":1,"upstream":\{"v":3,"writer":"edge-1","seq":1\}\}\}$/);
    expect(lines[15]).toMatch(/,"prev":"0{64}","upstream":\{"v":3,"writer":"edge-1","seq":16,"alg":"sha256","first":1,"prev":"0{64}","hash":"[0-9a-f]{64}"\},"hash":"[0-9a-f]{64}"\}\}$/);
    const report = await verifyArchive(archive.dir);
    expect(report).toMatchObject({ ok: true, records: 20 });
    expect(report.writers.map((w) => [w.writer, w.verified])).toEqual([['core-1', 20]]);
    await archive.edit(keys[0]!, (lines) => lines.map((l, i) => (i === 3 ? l.replace('"writer":"edge-1","seq":4', '"writer":"edge-1","seq":5') : l)));
    expect((await verifyArchive(archive.dir)).writers[0]?.broken).toMatchObject({ kind: 'modified', seq: 1, line: 1 });
  });

  it('verifies blocks of large events, which end early at about 1 MiB of text, and finds a change in one', async () => {
    // 150,000 two-byte characters each: the fourth record brings the block past 1 MiB and seals it.
    const large = events(5).map((e) => ({ ...e, data: { ...e.data, blob: 'é'.repeat(150_000) } }));
    const keys = await archive.write([ingest([chain('w1')], large)]);
    const seals = (await archive.lines(keys[0]!)).map((l) => (JSON.parse(l) as { ferry: { hash?: string } }).ferry.hash !== undefined);
    expect(seals).toEqual([false, false, false, true, true]);
    expect(await verifyArchive(archive.dir)).toMatchObject({ ok: true, records: 5 });
    await archive.edit(keys[0]!, (lines) => lines.map((l, i) => (i === 1 ? l.replace('"user-1"', '"user-9"') : l)));
    expect((await verifyArchive(archive.dir)).writers[0]?.broken).toMatchObject({ kind: 'modified', seq: 1, line: 1 });
  });

  it('lists records whose block\'s seal is not in the archive (read while an export is writing it, or cut), without vouching for them or failing', async () => {
    const keys = await archive.write(linked(chain('w1'), [10, 10]));
    await archive.edit(keys[1]!, (lines) => lines.slice(0, 6));
    const report = await verifyArchive(archive.dir);
    expect(report.ok).toBe(true);
    expect(report.writers[0]).toMatchObject({ verified: 10, lastSeq: 16, gaps: [], problemCount: 0 });
    expect(report.writers[0]?.unsealed).toEqual([{ from: 11, to: 16, start: { key: keys[1], line: 1 }, end: { key: keys[1], line: 6 } }]);
    expect(renderReport(report)).toContain(
      `AWAITING SEAL: records 11–16 (${keys[1]}:1 to ${keys[1]}:6): the rest of their block is not in the archive — not yet written (an export in flight: check again) or cut off; not counted as verified`,
    );
    const page = renderHtml(verificationRecord(report, { checkedAt: new Date(), ferryVersion: 'test', secret: undefined }));
    expect(page).toContain("16 records in 2 objects; 1 writer; 6 records at the end await their block&#39;s seal (not yet written, or cut off) and are not counted as verified.");
    expect(page).toContain('<td data-field="unsealed" data-count="1">');
    // An archive no collector writes to any more: the missing seal fails it.
    expect((await verifyArchive(archive.dir, { requireSealed: true })).ok).toBe(false);
    // The rest of the block arrives: every record is then verified.
    const [rest] = linked(chain('w1'), [10, 10]).slice(1);
    await archive.write([rest!.slice(6)]);
    expect((await verifyArchive(archive.dir)).writers[0]).toMatchObject({ verified: 20, unsealed: [] });
    expect((await verifyArchive(archive.dir, { requireSealed: true })).ok).toBe(true);
  });

  it('finds a deleted line as a missing record between the two lines around it', async () => {
    const keys = await archive.write(linked(chain('w1'), [10, 10]));
    await archive.edit(keys[0]!, (lines) => lines.filter((_, i) => i !== 4));
    const report = await verifyArchive(archive.dir);
    expect(report.ok).toBe(false);
    expect(report.writers[0]?.gaps).toEqual([{ from: 5, to: 5, after: { key: keys[0], line: 4 }, before: { key: keys[0], line: 5 } }]);
    expect(report.writers[0]?.problems).toEqual([]);
    expect(renderReport(report)).toContain(`MISSING record 5: between ${keys[0]}:4 and ${keys[0]}:5 — deleted, or an object is missing`);
  });

  it('finds a swapped pair as a record out of order', async () => {
    const keys = await archive.write(linked(chain('w1'), [10]));
    await archive.edit(keys[0]!, (lines) => [lines[0]!, lines[2]!, lines[1]!, ...lines.slice(3)]);
    const report = await verifyArchive(archive.dir);
    expect(report.ok).toBe(false);
    expect(report.writers[0]?.broken).toEqual({ key: keys[0], line: 3, kind: 'reordered', seq: 2, problem: `record 2 is out of order: it comes after record 3 (${keys[0]}:2)` });
    expect(report.writers[0]?.gaps).toEqual([]); // the record is there, only misplaced
  });

  it('finds an inserted event forged with a recomputed SHA-256 link: two records claim one position', async () => {
    const keys = await archive.write(linked(chain('w1'), [10]));
    await archive.edit(keys[0]!, (lines) => {
      const forger = chain('w1');
      forger.restore!({ writer: 'w1', seq: 5, hash: 'a'.repeat(64) });
      const [forged] = ingest([forger], [{ id: 'evt_forged', type: 'grant.created', createdAt: '2026-03-01T12:00:00Z', data: { principalId: 'intruder' } }]);
      return [...lines.slice(0, 5), JSON.stringify(forged), ...lines.slice(5)];
    });
    const report = await verifyArchive(archive.dir);
    expect(report.ok).toBe(false);
    // The forged record seals a block of its own (6–6) in the middle of the real one, and takes record 6's position.
    expect(report.writers[0]?.problems).toEqual([
      { key: keys[0], line: 1, kind: 'modified', seq: 1, problem: `records 1–6 (${keys[0]}:1 to ${keys[0]}:6) are not the block record 6 seals (records 6–6): a seal was removed or records were inserted` },
      { key: keys[0], line: 7, kind: 'conflict', seq: 6, problem: `record 6 differs from the record 6 at ${keys[0]}:6: two records claim one position, so one was inserted or forged` },
      { key: keys[0], line: 8, kind: 'modified', seq: 7, problem: `records 7–10 (${keys[0]}:8 to ${keys[0]}:11) are not the block record 10 seals (records 1–10): a seal was removed or records were inserted` },
    ]);
  });

  it('with an HMAC chain, finds a block forged with a recomputed link: it cannot match without the key', async () => {
    const keys = await archive.write(linked(chain('w1', SECRET), [10, 10]));
    await archive.edit(keys[1]!, (lines) => {
      const forger = chain('w1', 'a-guessed-secret-value');
      // The head the real block links to: the forged block links to it too, with a guessed key.
      forger.restore!({ writer: 'w1', seq: 10, hash: (JSON.parse(lines[9]!) as { ferry: { prev: string } }).ferry.prev });
      return ingest([forger], events(10, 100)).map((e) => JSON.stringify(e));
    });
    const report = await verifyArchive(archive.dir, { secret: SECRET });
    expect(report.writers[0]?.broken).toMatchObject({ key: keys[1], line: 1, kind: 'modified', seq: 11 });
    expect(report.writers[0]).toMatchObject({ verified: 10, problemCount: 1 });
  });

  it('finds a deleted object as a gap naming the objects around it', async () => {
    const keys = await archive.write(linked(chain('w1'), [10, 10, 10]));
    await unlink(join(archive.dir, keys[1]!));
    const report = await verifyArchive(archive.dir);
    expect(report.ok).toBe(false);
    expect(report.writers[0]?.gaps).toEqual([{ from: 11, to: 20, after: { key: keys[0], line: 10 }, before: { key: keys[2], line: 1 } }]);
    expect(renderReport(report)).toContain(`MISSING records 11–20: between ${keys[0]}:10 and ${keys[2]}:1`);
  });

  it('finds a truncated gzip object, naming the line where it ends, and goes on with the next object', async () => {
    const keys = await archive.write(linked(chain('w1'), [200, 10]), { compression: 'gzip' });
    const path = join(archive.dir, keys[0]!);
    const whole = await readFile(path);
    await writeFile(path, whole.subarray(0, Math.floor(whole.length * 0.5)));
    const report = await verifyArchive(archive.dir);
    expect(report.ok).toBe(false);
    const [damage] = report.damaged;
    expect(damage?.key).toBe(keys[0]);
    expect(damage?.problem).toBe(`the object is damaged: it cannot be read past line ${damage!.line - 1}: unexpected end of file (truncated or corrupted)`);
    const readable = report.writers[0]!.gaps[0]!;
    expect(damage!.line).toBeGreaterThan(1);
    expect(damage!.line).toBeLessThan(200);
    // The records after the cut are missing from the chain, between the last readable line and the next object.
    expect(readable).toEqual({ from: damage!.line - 1 + 1, to: 200, after: { key: keys[0], line: damage!.line - 1 }, before: { key: keys[1], line: 1 } });
  });

  it('finds a plain object cut in the middle of a line', async () => {
    const keys = await archive.write(linked(chain('w1'), [10]));
    const path = join(archive.dir, keys[0]!);
    const text = await readFile(path, 'utf8');
    const fifthLineEnd = text.split('\n').slice(0, 5).join('\n').length;
    await writeFile(path, text.slice(0, fifthLineEnd + 20)); // five whole lines, then the start of the sixth
    const report = await verifyArchive(archive.dir);
    expect(report.damaged).toEqual([{ key: keys[0], line: 6, problem: 'the object is damaged: it ends inside line 6, which is cut off (truncated)' }]);
  });

  it('reports duplicates identical to their original as at-least-once delivery, not tampering, and counts each event once per day', async () => {
    const w = chain('w1');
    const batches = linked(w, [10, 10]);
    await archive.write(batches);
    await archive.write([[...batches[1]!.slice(4), ...linked(w, [5], 20)[0]!]]); // a retried, re-cut batch after a crash
    const report = await verifyArchive(archive.dir);
    expect(report.ok).toBe(true);
    expect(report.writers[0]).toMatchObject({ verified: 25, duplicates: 6, lastSeq: 25 });
    expect(report.perDay).toEqual({ '2026-03-01': 20, '2026-03-02': 5 });
    expect(renderReport(report)).toContain('6 duplicates identical to their original (at-least-once delivery, not tampering)');
  });

  it('does not take a changed copy of a record for a duplicate', async () => {
    const keys = await archive.write(linked(chain('w1'), [10]));
    const [copy] = (await archive.lines(keys[0]!)).slice(3);
    await archive.write([[JSON.parse(copy!.replace('"user-3"', '"user-9"')) as FerryEvent]]);
    const report = await verifyArchive(archive.dir);
    expect(report.ok).toBe(false);
    expect(report.writers[0]).toMatchObject({ duplicates: 0, broken: { kind: 'conflict', seq: 4, line: 1 } });
  });

  it('verifies two writers in one prefix independently, and fails a writer that is not expected or is missing', async () => {
    const [east, west] = [chain('east'), chain('west')];
    for (let i = 0; i < 3; i++) {
      await archive.write(linked(east, [5], i * 5));
      await archive.write(linked(west, [7], 100 + i * 7));
    }
    const report = await verifyArchive(archive.dir);
    expect(report.ok).toBe(true);
    expect(report.writers.map((w) => [w.writer, w.verified, w.lastSeq])).toEqual([['east', 15, 15], ['west', 21, 21]]);
    const strict = await verifyArchive(archive.dir, { writers: ['east', 'north'] });
    expect(strict.ok).toBe(false);
    expect(strict.writers[1]?.broken?.problem).toBe('writer "west" is not one of the expected writers (east, north)');
    expect(strict.missingWriters).toEqual(['north']);
  });

  it('follows two writers whose blocks interleave line by line in one object (two pipelines sharing an exporter)', async () => {
    const [east, west] = [ingest([chain('east')], events(30)), ingest([chain('west')], events(30, 100))];
    const mixed = east.flatMap((e, i) => [e, west[i]!]);
    await archive.write([mixed.slice(0, 25), mixed.slice(25)]);
    const report = await verifyArchive(archive.dir);
    expect(report.ok).toBe(true);
    expect(report.writers.map((w) => [w.writer, w.verified, w.unsealed.length])).toEqual([['east', 30, 0], ['west', 30, 0]]);
  });

  it('checks HMAC chains with the secret, and fails clearly without it or with a wrong one', async () => {
    await archive.write(linked(chain('w1', SECRET), [5, 5]));
    expect((await verifyArchive(archive.dir, { secret: SECRET })).ok).toBe(true);
    const missing = await verifyArchive(archive.dir);
    expect(missing.ok).toBe(false);
    expect(missing.writers[0]?.broken?.problem).toBe('cannot check its hmac-sha256 links: an hmac-sha256 chain can only be checked with its secret (give it in FERRY_VERIFY_SECRET or a secret file)');
    expect(missing.writers[0]).toMatchObject({ problemCount: 1, verified: 0, gaps: [] });
    const wrong = await verifyArchive(archive.dir, { secret: 'another-secret-987654' });
    expect(wrong.ok).toBe(false);
    expect(wrong.writers[0]?.problems.map((p) => p.problem)).toEqual(['none of the 2 blocks of writer "w1" matches its HMAC: the secret given is not this chain\'s (or every record was rewritten)']);
    expect(JSON.stringify([missing, wrong]) + renderReport(wrong)).not.toContain(SECRET);
  });

  it('verifies a chain over redacted events: the archive holds only the redacted values', async () => {
    const redactor = redact.create(createTestContext(resolveConfig(redact.configSchema, { secret: 'a-redaction-secret', rules: [{ types: ['grant.*'], remove: ['data.ip'], hash: ['data.principalId'] }] })));
    const w = chain('w1', SECRET);
    const keys = await archive.write([ingest([redactor, w], events(10)), ingest([redactor, w], events(10, 10))]);
    const text = (await archive.lines(keys[0]!)).join('\n');
    expect(text).not.toContain('user-1');
    expect(text).not.toContain('10.0.0.');
    expect(text).toMatch(/"principalId":"hmac:[0-9a-f]{64}"/);
    const report = await verifyArchive(archive.dir, { secret: SECRET });
    expect(report.ok).toBe(true);
    expect(report.writers[0]?.verified).toBe(20);
  });

  it('version 1 (before byte-faithful events): checks the content, not the text, so a re-serialized copy still verifies, and a member given twice fails', async () => {
    const keys = await archive.write(linked(chainV1('w1'), [5]));
    // Other member order and spacing, same content (as a pretty-printer or a JSON store would write it).
    await archive.edit(keys[0]!, (lines) => lines.map((l) => JSON.stringify(JSON.parse(canonicalize(JSON.parse(l))), null, 1).replace(/\n */g, ' ')));
    const copy = await verifyArchive(archive.dir);
    expect(copy).toMatchObject({ ok: true, reformatted: 5 });
    expect(renderReport(copy)).toContain('note: 5 records are not in the compact form Ferry writes (re-serialized since); their content was checked');
    // JavaScript reads the last "data", other readers the first: an ambiguous record fails.
    await archive.edit(keys[0]!, (lines) => lines.map((l, i) => (i === 2 ? l.replace('{ "createdAt"', '{ "data": { "principalId": "someone-else" }, "createdAt"') : l)));
    const ambiguous = await verifyArchive(archive.dir);
    expect(ambiguous.writers[0]?.broken).toMatchObject({ line: 3, kind: 'ambiguous', problem: 'record 3 has the member "data" twice: JSON readers disagree on what it says' });
  });

  it('lists a new chain epoch when a collector without storage restarted, and still verifies both', async () => {
    await archive.write(linked(chain('w1', undefined, false), [5, 5]));
    const keys = await archive.write(linked(chain('w1', undefined, false), [5], 10)); // the restart
    const report = await verifyArchive(archive.dir);
    expect(report.ok).toBe(true);
    expect(report.writers[0]).toMatchObject({ verified: 15, lastSeq: 5, epochs: [{ start: { key: keys[0], line: 1 }, after: 10 }] });
    expect(renderReport(report)).toContain(`NEW EPOCH at ${keys[0]}:1: the chain starts over after record 10`);
  });

  it('reports a missing beginning, unless told the archive may start mid-chain', async () => {
    const w = chain('w1');
    linked(w, [10]); // written, then expired by a lifecycle rule
    const keys = await archive.write(linked(w, [10], 10));
    const whole = await verifyArchive(archive.dir);
    expect(whole.writers[0]?.gaps).toEqual([{ from: 1, to: 10, after: undefined, before: { key: keys[0], line: 1 } }]);
    expect(renderReport(whole)).toContain(`MISSING records 1–10: before ${keys[0]}:1 (the beginning of the chain)`);
    expect((await verifyArchive(archive.dir, { allowMissingStart: true })).ok).toBe(true);
  });

  it('fails records without a link and archives written without the integrity processor', async () => {
    const keys = await archive.write(linked(chain('w1'), [5]));
    await archive.edit(keys[0]!, (lines) => [...lines, JSON.stringify(events(1, 50)[0])]);
    const mixed = await verifyArchive(archive.dir);
    expect(mixed).toMatchObject({ ok: false, unchained: 1, unchainedAt: [{ key: keys[0], line: 6 }] });
    expect(renderReport(mixed)).toContain(`UNCHAINED: 1 records carry no integrity link, the first at ${keys[0]}:6`);
    await rm(join(archive.dir, keys[0]!));
    await archive.write([events(3)]);
    const plain = await verifyArchive(archive.dir);
    expect(plain.ok).toBe(false);
    expect(renderReport(plain)).toContain('no integrity chain found: the archive was written without the integrity processor');
  });

  it('says that records without a chain are counted per day with their copies, since nothing tells a copy apart', async () => {
    await archive.write([events(3), events(3)]); // the same three events archived twice
    const plain = await verifyArchive(archive.dir);
    expect(plain.perDay).toEqual({ '2026-03-01': 6 });
    expect(renderReport(plain)).toContain('records per day (UTC, by createdAt; without an integrity chain a duplicate cannot be told from a new record, so every copy is counted):');
    const keys = await archive.write(linked(chain('w1'), [2]));
    await archive.edit(keys[0]!, (lines) => [...lines, lines[0]!]);
    const mixed = await verifyArchive(archive.dir);
    expect(mixed.perDay).toEqual({ '2026-03-01': 8 });
    expect(renderReport(mixed)).toContain('duplicates of chained records not counted; the 6 records without a chain are counted every time they appear');
  });

  it('version 3: vouches for the stored bytes, so a re-serialized copy does not verify and a change past 2^53 is found', async () => {
    const source = '{"id":"evt_big","type":"grant.created","createdAt":"2026-03-01T12:00:00Z","data":{"10":"ten","2":"two","amount":12345678901234567891}}';
    const decoded = decodeEvent(source);
    if (!decoded.ok) throw new Error(decoded.problem);
    const keys = await archive.write([ingest([chain('w1')], [decoded.event, ...events(2, 1)])]);
    expect((await archive.lines(keys[0]!))[0]).toBe(`${source.slice(0, -1)},"ferry":{"v":3,"writer":"w1","seq":1}}`);
    expect(await verifyArchive(archive.dir)).toMatchObject({ ok: true, reformatted: 0 });
    await archive.edit(keys[0]!, (lines) => lines.map((l, i) => (i === 0 ? l.replace('12345678901234567891', '12345678901234567892') : l)));
    expect((await verifyArchive(archive.dir)).writers[0]?.broken).toMatchObject({ line: 1, kind: 'modified', seq: 1 });
    await archive.edit(keys[0]!, (lines) => lines.map((l) => JSON.stringify(JSON.parse(l), null, 1).replace(/\n */g, ' ')));
    const copy = await verifyArchive(archive.dir);
    expect(copy.writers[0]?.problemCount).toBe(1);
    expect(copy.writers[0]?.broken?.problem).toMatch(/^record 3 is not byte for byte as Ferry wrote it \(its envelope version 3 seals a block of the stored bytes/);
  });

  it('version 2: vouches for the stored bytes, so a re-serialized copy does not verify and a change past 2^53 is found', async () => {
    const source = '{"id":"evt_big","type":"grant.created","createdAt":"2026-03-01T12:00:00Z","data":{"10":"ten","2":"two","amount":12345678901234567891}}';
    const decoded = decodeEvent(source);
    if (!decoded.ok) throw new Error(decoded.problem);
    const keys = await archive.write([ingest([chainV2('w1')], [decoded.event, ...events(2, 1)])]);
    expect((await archive.lines(keys[0]!))[0]!.startsWith(source.slice(0, -1))).toBe(true);
    expect(await verifyArchive(archive.dir)).toMatchObject({ ok: true, reformatted: 0 });
    // 12345678901234567891 and …92 are one double: a canonical (version 1) hash could not tell them apart.
    await archive.edit(keys[0]!, (lines) => lines.map((l, i) => (i === 0 ? l.replace('12345678901234567891', '12345678901234567892') : l)));
    expect((await verifyArchive(archive.dir)).writers[0]?.broken).toMatchObject({ line: 1, kind: 'modified', problem: "record 1 does not match its hash: it was modified, or forged without the chain's key" });
    await archive.edit(keys[0]!, (lines) => lines.map((l) => JSON.stringify(JSON.parse(l), null, 1).replace(/\n */g, ' ')));
    const copy = await verifyArchive(archive.dir);
    expect(copy.writers[0]?.problemCount).toBe(3);
    expect(copy.writers[0]?.broken?.problem).toMatch(/^record 1 is not byte for byte as Ferry wrote it \(its envelope version 2 hashes the stored bytes/);
  });

  it('verifies a chain begun under version 1 and continued under version 3 (an upgrade with storage keeps the head)', async () => {
    const old = chainV1('w1', SECRET);
    const before = linked(old, [5, 5]);
    const upgraded = chain('w1', SECRET);
    upgraded.restore!(old.snapshot!());
    await archive.write([...before, ...linked(upgraded, [5, 5], 10)], { compression: 'gzip' });
    const report = await verifyArchive(archive.dir, { secret: SECRET });
    expect(report).toMatchObject({ ok: true, records: 20 });
    expect(report.writers[0]).toMatchObject({ verified: 20, lastSeq: 20, gaps: [], problemCount: 0 });
  });

  it('verifies archives written with version 2, finding a change at its own line, and a chain continued under version 3', async () => {
    const old = chainV2('w1', SECRET);
    const before = linked(old, [5, 5]);
    const upgraded = chain('w1', SECRET);
    upgraded.restore!(old.snapshot!());
    const keys = await archive.write([...before, ...linked(upgraded, [5, 5], 10)]);
    expect((await archive.lines(keys[0]!))[0]).toMatch(/"ferry":\{"v":2,"writer":"w1","seq":1,"alg":"hmac-sha256","prev":"0{64}","hash":"[0-9a-f]{64}"\}\}$/);
    const report = await verifyArchive(archive.dir, { secret: SECRET });
    expect(report).toMatchObject({ ok: true, records: 20 });
    expect(report.writers[0]).toMatchObject({ verified: 20, lastSeq: 20, problemCount: 0 });
    await archive.edit(keys[1]!, (lines) => lines.map((l, i) => (i === 2 ? l.replace('"user-7"', '"user-666"') : l)));
    expect((await verifyArchive(archive.dir, { secret: SECRET })).writers[0]?.broken).toEqual({ key: keys[1], line: 3, kind: 'modified', seq: 8, problem: "record 8 does not match its hash: it was modified, or forged without the chain's key" });
  });

  it('with allowMissingStart, takes an archive that begins inside a block, without vouching for that block\'s records', async () => {
    const keys = await archive.write(linked(chain('w1'), [10, 10]));
    await archive.edit(keys[0]!, (lines) => lines.slice(4));
    const report = await verifyArchive(archive.dir, { allowMissingStart: true });
    expect(report).toMatchObject({ ok: true, records: 16 });
    expect(report.writers[0]).toMatchObject({ firstSeq: 5, verified: 10, beforeArchive: 6, gaps: [] });
    expect(renderReport(report)).toContain('note: the first 6 records belong to a block that begins before the archive, so they could not be checked');
    expect((await verifyArchive(archive.dir)).writers[0]?.gaps).toEqual([{ from: 1, to: 4, after: undefined, before: { key: keys[0], line: 1 } }]);
  });

  it('refuses envelopes newer than it knows instead of guessing', async () => {
    const keys = await archive.write(linked(chain('w1'), [3]));
    await archive.edit(keys[0]!, (lines) => lines.map((l, i) => (i === 1 ? l.replace('"ferry":{"v":3,', '"ferry":{"v":4,') : l)));
    const report = await verifyArchive(archive.dir);
    expect(report.writers[0]?.broken).toMatchObject({ line: 2, kind: 'version' });
  });

  it('reads keys in the order S3 lists them, whatever the layout, and ignores objects that are not archive objects', async () => {
    const w = chain('w1');
    await archive.write(linked(w, [3, 3]), { layout: 'flat' });
    await archive.write(linked(w, [3, 3], 6), { layout: 'hive', compression: 'gzip' });
    await writeFile(join(archive.dir, 'grantex-events', 'README.txt'), 'not an object of the archive');
    const report = await verifyArchive(archive.dir);
    expect(report).toMatchObject({ ok: true, objects: 4, ignored: 1 });
  });
});

describe('readVerifySecret', () => {
  it('takes the secret from a file without its final newline, else from FERRY_VERIFY_SECRET, never naming it in errors', async () => {
    const file = join(archive.dir, 'chain.key');
    await writeFile(file, `${SECRET}\n`);
    expect(await readVerifySecret({ secretFile: file, env: { FERRY_VERIFY_SECRET: 'ignored' } })).toBe(SECRET);
    expect(await readVerifySecret({ env: { FERRY_VERIFY_SECRET: SECRET } })).toBe(SECRET);
    expect(await readVerifySecret({ env: {} })).toBeUndefined();
    await expect(readVerifySecret({ secretFile: join(archive.dir, 'absent') })).rejects.toThrow(`cannot read the secret file ${join(archive.dir, 'absent')}: ENOENT`);
  });
});

describe('verifyArchive on an S3-compatible server', () => {
  let peer: S3Peer;
  beforeAll(async () => {
    peer = await startS3Peer({ buckets: ['audit-archive'] });
  });
  afterAll(() => peer.close());

  it('reads a prefix in key order, gzip or not, and names a deleted object and a truncated one by key and line', async () => {
    const w = chain('s3-writer', SECRET);
    const keys = [...(await archive.write(linked(w, [10, 10]), { compression: 'gzip' })), ...(await archive.write(linked(w, [10, 10], 20)))];
    for (const key of keys) await peer.client.send(new PutObjectCommand({ Bucket: 'audit-archive', Key: key, Body: await readFile(join(archive.dir, key)) }));
    await peer.client.send(new PutObjectCommand({ Bucket: 'audit-archive', Key: 'grantex-events/_ferry/write-check.json', Body: '{}' }));
    const options = { endpoint: peer.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: peer.accessKeyId, secretAccessKey: peer.secretAccessKey }, secret: SECRET };
    const intact = await verifyArchive('s3://audit-archive/grantex-events', options);
    expect(intact).toMatchObject({ ok: true, objects: 4, ignored: 1, records: 40 });
    expect(intact.writers[0]).toMatchObject({ writer: 's3-writer', verified: 40 });

    await peer.client.send(new DeleteObjectCommand({ Bucket: 'audit-archive', Key: keys[2] }));
    const gz = await readFile(join(archive.dir, keys[0]!));
    await peer.client.send(new PutObjectCommand({ Bucket: 'audit-archive', Key: keys[0], Body: gz.subarray(0, gz.length - 12) }));
    const tampered = await verifyArchive('s3://audit-archive/grantex-events', options);
    expect(tampered.ok).toBe(false);
    expect(tampered.damaged.map((d) => d.key)).toEqual([keys[0]]);
    expect(tampered.writers[0]?.gaps.at(-1)).toEqual({ from: 21, to: 30, after: { key: keys[1], line: 10 }, before: { key: keys[3], line: 1 } });
    await expect(verifyArchive('s3://no-such-bucket/grantex-events', options)).rejects.toThrow(/^cannot list s3:\/\/no-such-bucket\/grantex-events: NoSuchBucket/);
  });

  it('reads the last objects of a listing to their end while they are still downloading (objects larger than a socket holds)', async () => {
    const w = chain('big-writer');
    const keys = await archive.write(linked(w, [3000, 3000, 3000, 3000, 3000, 3000]));
    for (const key of keys) await peer.client.send(new PutObjectCommand({ Bucket: 'audit-archive', Key: `big/${key}`, Body: await readFile(join(archive.dir, key)) }));
    const report = await verifyArchive('s3://audit-archive/big', { endpoint: peer.endpoint, forcePathStyle: true, credentials: { accessKeyId: peer.accessKeyId, secretAccessKey: peer.secretAccessKey } });
    expect(report.damaged).toEqual([]);
    expect(report).toMatchObject({ ok: true, objects: 6, records: 18_000 });
  });

  it('reads a gzip object that is not truncated but corrupt as damaged, not as tampering', async () => {
    await archive.write(linked(chain('w1'), [5]));
    await peer.client.send(new PutObjectCommand({ Bucket: 'audit-archive', Key: 'other/2026-03-01/12-00-00.000Z-000000000000000000-abc.ndjson.gz', Body: gzipSync(Buffer.from('x')).fill(7, 12) }));
    const report = await verifyArchive('s3://audit-archive/other', { endpoint: peer.endpoint, forcePathStyle: true, credentials: { accessKeyId: peer.accessKeyId, secretAccessKey: peer.secretAccessKey } });
    expect(report.ok).toBe(false);
    expect(report.damaged[0]?.problem).toMatch(/^the object is damaged: it cannot be read past line 0: /);
  });
});

describe('verifyArchive when the archive cannot be listed', () => {
  it('rejects with an error naming the directory or the bucket', async () => {
    await expect(verifyArchive(join(archive.dir, 'absent'))).rejects.toThrow(`cannot read the archive directory ${join(archive.dir, 'absent')}: ENOENT`);
  });
});
