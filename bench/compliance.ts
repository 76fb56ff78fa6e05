/**
 * The cost of the integrity processor on pipeline throughput, and `ferry verify`'s speed
 * over a large archive (written with the real processor, archive keys and encoding).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { join as joinPath } from 'node:path';
import { startGenerator } from '@ferry/generator';
import { createEventFactory } from '@ferry/generator';
import { createBatch, type FerryEvent } from '@ferry/sdk';
import { createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import { archiveKey, encodeObject } from '@ferry/archive';
import integrity from '@ferry/processor-integrity';
import { ferry, peakRss, runFerry, scratch, untilSent, fmt } from './support.js';

async function pipelineRate(events: number, withIntegrity: boolean): Promise<number> {
  const generator = await startGenerator({ apiKey: 'k', total: events, seed: 1 });
  const work = await scratch();
  try {
    const run = runFerry([
      'run',
      '--config',
      await work.config({
        storage: { directory: joinPath(work.dir, 'storage') },
        receivers: { grantex: { url: generator.url, apiKey: 'k' } },
        processors: { ...(withIntegrity ? { integrity: { writerId: 'bench', secret: 'bench-chain-secret-0123' } } : {}), batch: { batchSize: 5000, flushIntervalMs: 200 } },
        exporters: { file: { directory: joinPath(work.dir, 'archive') } },
        service: { pipelines: { events: { receivers: ['grantex'], processors: [...(withIntegrity ? ['integrity'] : []), 'batch'], exporters: ['file'] } }, telemetry: { progress: 'always' } },
      }),
    ]);
    await run.waitFor('collector started');
    const started = performance.now();
    await untilSent(run, 'file', events);
    const rate = events / ((performance.now() - started) / 1000);
    run.signal('SIGTERM');
    await run.exited;
    return rate;
  } finally {
    await generator.close();
    await work.cleanup();
  }
}

async function verifyRate(records: number): Promise<{ perSecond: number; peak: number }> {
  const work = await scratch();
  try {
    const archive = join(work.dir, 'archive');
    const chain = integrity.create(createTestContext(resolveConfig(integrity.configSchema, { writerId: 'bench', secret: 'bench-chain-secret-0123' }), { storageDirectory: work.dir }));
    const factory = createEventFactory({ seed: 4 });
    const perObject = 5000;
    for (let at = 0; at < records; at += perObject) {
      const linked = chain.process!(Array.from({ length: Math.min(perObject, records - at) }, () => factory.next())) as FerryEvent[];
      const batch = createBatch({ events: linked, receivedAt: Date.parse('2026-03-01T00:00:00Z') + at * 10, firstSeq: at });
      const key = archiveKey({ prefix: 'grantex-events', layout: 'daily', compression: 'gzip', receivedAt: batch.receivedAt, firstSeq: at, batchId: batch.id });
      await mkdir(dirname(join(archive, key)), { recursive: true });
      await writeFile(join(archive, key), await encodeObject(batch, 'gzip'));
    }
    const started = performance.now();
    const verifying = ferry(['verify', archive], { env: { FERRY_VERIFY_SECRET: 'bench-chain-secret-0123' } });
    const result = await verifying;
    const seconds = (performance.now() - started) / 1000;
    if (result.status !== 0) throw new Error(`verify failed on the benchmark archive:\n${result.stdout}`);
    return { perSecond: records / seconds, peak: 0 };
  } finally {
    await work.cleanup();
  }
}

export async function report(): Promise<string[]> {
  const events = Number(process.env.BENCH_EVENTS ?? 200_000);
  const records = Number(process.env.BENCH_VERIFY_RECORDS ?? 1_000_000);
  const without = await pipelineRate(events, false);
  const withChain = await pipelineRate(events, true);
  const verify = await verifyRate(records);
  return [
    '',
    '## Tamper evidence',
    `Pipeline with persistence, ${fmt(events)} events: ${fmt(without)} events/s without integrity, ${fmt(withChain)} with an HMAC chain — a cost of ${(100 * (1 - withChain / without)).toFixed(1)}% (target: under 20%)`,
    `ferry verify over a ${fmt(records)}-record gzip archive (HMAC chain): ${fmt(verify.perSecond)} records/s`,
  ];
}

export { peakRss };
