import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { createBatch, eventLine, withText, type FerryEvent, type Processor } from '@ferry/sdk';
import { createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import { archiveKey, createLinkHasher, encodeObject, GENESIS, linkText, RecordLinker, recordText, type ChainAlgorithm, type Compression, type KeyLayout } from '@ferry/archive';
import integrity from '@ferry/processor-integrity';

/**
 * Test support: archives written as Ferry writes them — the real integrity processor
 * driven as the host drives it (process, then the snapshot stored with the append), the
 * archive's keys and object encoding — into a directory.
 */
export function events(count: number, from = 0, perDay = 20): FerryEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    const day = String(1 + Math.floor(n / perDay)).padStart(2, '0');
    return { id: `evt_${n}`, type: n % 3 === 0 ? 'grant.revoked' : 'grant.created', createdAt: `2026-03-${day}T12:00:00Z`, data: { n, principalId: `user-${n}`, ip: `10.0.0.${n % 250}` } };
  });
}

export function chain(writerId: string, secret?: string, storage = true): Processor {
  const config = resolveConfig(integrity.configSchema, { writerId, ...(secret === undefined ? {} : { secret }) });
  return integrity.create(createTestContext(config, storage ? { storageDirectory: '/tmp' } : {}));
}

/**
 * A chain as Ferry wrote it before envelope version 2 (the integrity processor of issue 10):
 * each event re-serialized with its link, the hash over RFC 8785 canonical JSON. Built from
 * the archive package's version-1 functions, which `ferry verify` still checks these with.
 */
export function chainV1(writerId: string, secret?: string): Processor {
  const alg: ChainAlgorithm = secret === undefined ? 'sha256' : 'hmac-sha256';
  const hasher = createLinkHasher(alg, secret);
  return recordByRecord(writerId, (event, seq, prev) => {
    const unhashed = { v: 1, writer: writerId, seq, alg, prev };
    const hash = hasher(recordText(event, linkText(unhashed)));
    return { record: { ...event, ferry: { ...unhashed, hash } }, hash };
  });
}

/**
 * A chain as Ferry wrote it with envelope version 2 (before blocks): each record linked on
 * its own, its hash over its stored bytes, built by the archive package's version-2 linker.
 */
export function chainV2(writerId: string, secret?: string): Processor {
  const alg: ChainAlgorithm = secret === undefined ? 'sha256' : 'hmac-sha256';
  const linker = new RecordLinker(writerId, alg, secret);
  return recordByRecord(writerId, (event, seq, prev) => {
    const line = linker.link(eventLine(event), seq, prev);
    return { record: withText({ ...event, ferry: { v: 2, writer: writerId, seq, alg, prev, hash: linker.hash } }, line), hash: linker.hash };
  });
}

/**
 * A processor for the chains Ferry wrote before blocks, where each record links to the one
 * before it: the head moves with the snapshot, as the integrity processor's does.
 */
function recordByRecord(writerId: string, link: (event: FerryEvent, seq: number, prev: string) => { record: FerryEvent; hash: string }): Processor {
  let head = { seq: 0, hash: GENESIS };
  let linked = head;
  return {
    process: (batch) => {
      let { seq, hash } = head;
      const out = batch.map((event) => {
        const made = link(event, ++seq, hash);
        hash = made.hash;
        return made.record;
      });
      linked = { seq, hash };
      return out;
    },
    snapshot: () => {
      head = linked;
      return { writer: writerId, ...head };
    },
    restore: (state) => {
      head = linked = state as { seq: number; hash: string };
    },
  };
}

/**
 * Events appended as the host appends receiver calls: processors run in order, then the
 * snapshot taken. Calls of at most 16 events (the integrity processor seals each call's
 * events as a block).
 */
export function ingest(processors: readonly Processor[], batch: readonly FerryEvent[]): FerryEvent[] {
  const out: FerryEvent[] = [];
  for (let at = 0; at < batch.length; at += 16) {
    let current = batch.slice(at, at + 16);
    for (const p of processors) current = p.process!(current) as FerryEvent[];
    for (const p of processors) p.snapshot?.();
    out.push(...current);
  }
  return out;
}

export interface ArchiveWriter {
  readonly dir: string;
  /** Writes one object per batch of linked events; returns the keys in order. */
  write(batches: readonly FerryEvent[][], options?: { compression?: Compression; layout?: KeyLayout; prefix?: string }): Promise<string[]>;
  lines(key: string): Promise<string[]>;
  /** Rewrites an object's lines (keeping its compression). */
  edit(key: string, change: (lines: string[]) => string[]): Promise<void>;
}

export function archiveWriter(dir: string): ArchiveWriter {
  let clock = Date.parse('2026-03-01T12:00:00Z');
  let logSeq = 0;
  const path = (key: string) => join(dir, key);
  const gz = (key: string) => key.endsWith('.gz');
  return {
    dir,
    async write(batches, options = {}) {
      const keys: string[] = [];
      for (const linked of batches) {
        clock += 1000;
        const batch = createBatch({ events: linked, receivedAt: clock, firstSeq: logSeq });
        const compression = options.compression ?? 'none';
        const key = archiveKey({ prefix: options.prefix ?? 'grantex-events', layout: options.layout ?? 'daily', compression, receivedAt: clock, firstSeq: logSeq, batchId: batch.id });
        await mkdir(dirname(path(key)), { recursive: true });
        await writeFile(path(key), await encodeObject(batch, compression));
        logSeq += linked.length;
        keys.push(key);
      }
      return keys;
    },
    async lines(key) {
      const raw = await readFile(path(key));
      return (gz(key) ? gunzipSync(raw) : raw).toString('utf8').split('\n').filter((l) => l !== '');
    },
    async edit(key, change) {
      const raw = await readFile(path(key));
      const lines = (gz(key) ? gunzipSync(raw) : raw).toString('utf8').split('\n').filter((l) => l !== '');
      const body = Buffer.from(`${change(lines).join('\n')}\n`);
      await writeFile(path(key), gz(key) ? gzipSync(body) : body);
    },
  };
}
