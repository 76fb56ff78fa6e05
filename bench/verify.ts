/**
 * How fast `ferry verify` checks an archive: 1,000,000 generator events decoded as the
 * Grantex receiver decodes them, linked by the real integrity processor (HMAC chain, driven
 * as the host drives it), written with the archive's keys and gzip encoding in objects of
 * 5,000, then verified from the directory by the `ferry` binary in its own process, timed
 * from spawn to exit, with its peak RSS. Not a test: `benchmark()` returns figures,
 * nothing asserts on them.
 *
 *   pnpm tsx bench/verify.ts        (BENCH_VERIFY_EVENTS, default 1,000,000)
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBatch, decodeEvent, type FerryEvent } from '@ferry/sdk';
import { createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import { archiveKey, encodeObject } from '@ferry/archive';
import { createEventFactory } from '@ferry/generator';
import integrity from '@ferry/processor-integrity';
import { peakRss, runFerry } from './support.js';

export interface VerifyBenchmark {
  readonly events: number;
  readonly objects: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** Peak RSS of the `ferry verify` process (bytes): flat, whatever the archive's size. */
  readonly peakRss: number;
}

const SECRET = 'bench-chain-secret-0123';
const PER_OBJECT = 5000;

async function writeArchive(directory: string, events: number): Promise<number> {
  const chain = integrity.create(createTestContext(resolveConfig(integrity.configSchema, { writerId: 'bench', secret: SECRET }), { storageDirectory: directory }));
  const factory = createEventFactory({ seed: 4 });
  let objects = 0;
  for (let at = 0; at < events; at += PER_OBJECT) {
    const decoded = Array.from({ length: Math.min(PER_OBJECT, events - at) }, () => {
      const result = decodeEvent(JSON.stringify(factory.next()));
      if (!result.ok) throw new Error(result.problem);
      return result.event;
    });
    const linked = await chain.process!(decoded);
    chain.snapshot!(); // as the host does with every append: the chain moves on
    const batch = createBatch({ events: linked, receivedAt: Date.parse('2026-03-01T00:00:00Z') + at * 10, firstSeq: at });
    const key = archiveKey({ prefix: 'grantex-events', layout: 'daily', compression: 'gzip', receivedAt: batch.receivedAt, firstSeq: at, batchId: batch.id });
    await mkdir(dirname(join(directory, key)), { recursive: true });
    await writeFile(join(directory, key), await encodeObject(batch, 'gzip'));
    objects++;
  }
  return objects;
}

export async function benchmark(events = Number(process.env.BENCH_VERIFY_EVENTS ?? 1_000_000)): Promise<VerifyBenchmark> {
  const directory = await mkdtemp(join(tmpdir(), 'ferry-bench-verify-'));
  try {
    const objects = await writeArchive(join(directory, 'archive'), events);
    const started = performance.now();
    const run = runFerry(['verify', join(directory, 'archive'), '--json'], { env: { FERRY_VERIFY_SECRET: SECRET } });
    const peak = await peakRss(run.pid, run.exited);
    const status = await run.exited;
    const seconds = (performance.now() - started) / 1000;
    const report = JSON.parse(run.stdout()) as { ok: boolean; writers: Array<{ verified: number; broken?: unknown }> };
    if (status !== 0 || !report.ok || report.writers[0]?.verified !== events) throw new Error(`verify failed on the benchmark archive: ${JSON.stringify(report.writers[0]?.broken)}`);
    return { events, objects, seconds, eventsPerSecond: events / seconds, peakRss: peak };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await benchmark();
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  process.stdout.write(
    `ferry verify (the binary, spawn to exit) over ${fmt(r.events)} events in ${fmt(r.objects)} gzip objects, HMAC chain: ` +
      `${r.seconds.toFixed(1)} s, ${fmt(r.eventsPerSecond)} events/s, peak RSS ${fmt(r.peakRss / 1024 / 1024)} MB\n`,
  );
}
