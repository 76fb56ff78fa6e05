/**
 * What the integrity processor costs at a pipeline's entry. Per receiver call the host
 * runs the processors and takes each event's line for the durable log (its own text, as the
 * receiver decoded it); this times exactly that work over generator events decoded as the
 * Grantex receiver decodes them, without the processor, with a SHA-256 chain and with an
 * HMAC chain. Not a test: `benchmark()` returns figures, nothing asserts on them.
 *
 *   pnpm tsx bench/integrity.ts        (BENCH_INTEGRITY_EVENTS, default 500,000)
 */
import { fileURLToPath } from 'node:url';
import { decodeEvent, eventLine, type FerryEvent, type Processor } from '@ferry/sdk';
import { createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import { createEventFactory } from '@ferry/generator';
import integrity from '@ferry/processor-integrity';

export interface IntegrityBenchmark {
  readonly events: number;
  /** Events per second through the ingest step (serialize for the log) without the processor. */
  readonly withoutPerSecond: number;
  /** The same with a SHA-256 chain. */
  readonly sha256PerSecond: number;
  /** The same with an HMAC-SHA256 chain (a `secret`). */
  readonly hmacPerSecond: number;
  /** 1 − with/without for the HMAC chain, as a percentage of ingest throughput. */
  readonly hmacCostPercent: number;
  readonly sha256CostPercent: number;
}

const CALL_SIZE = 100; // events per receiver call (an SSE read or a webhook burst)

function chain(secret?: string): Processor {
  const config = resolveConfig(integrity.configSchema, { writerId: 'bench', ...(secret === undefined ? {} : { secret }) });
  return integrity.create(createTestContext(config, { storageDirectory: '/tmp' }));
}

/** Events per second through process + snapshot + the line stored, as PipelineIngest does per call. */
async function ingestRate(calls: readonly FerryEvent[][], processor: Processor | undefined): Promise<number> {
  let sink = 0;
  const started = performance.now();
  for (const call of calls) {
    const kept = processor === undefined ? call : await processor.process!(call);
    if (processor !== undefined) processor.snapshot!();
    for (const event of kept) sink += eventLine(event).length;
  }
  const seconds = (performance.now() - started) / 1000;
  if (sink === 0) throw new Error('nothing was serialized');
  return (calls.length * CALL_SIZE) / seconds;
}

export async function benchmark(events = Number(process.env.BENCH_INTEGRITY_EVENTS ?? 500_000)): Promise<IntegrityBenchmark> {
  const factory = createEventFactory({ seed: 7 });
  const decoded = (event: FerryEvent): FerryEvent => {
    const result = decodeEvent(JSON.stringify(event));
    if (!result.ok) throw new Error(result.problem);
    return result.event;
  };
  const calls = Array.from({ length: Math.ceil(events / CALL_SIZE) }, () => Array.from({ length: CALL_SIZE }, () => decoded(factory.next())));
  // Warm up every path once so the JIT has compiled them, then take the best of three.
  const warm = calls.slice(0, 200);
  await ingestRate(warm, undefined);
  await ingestRate(warm, chain());
  await ingestRate(warm, chain('bench-chain-secret-0123'));
  const best = async (run: () => Promise<number>) => Math.max(await run(), await run(), await run());
  const withoutPerSecond = await best(() => ingestRate(calls, undefined));
  const sha256PerSecond = await best(() => ingestRate(calls, chain()));
  const hmacPerSecond = await best(() => ingestRate(calls, chain('bench-chain-secret-0123')));
  return {
    events: calls.length * CALL_SIZE,
    withoutPerSecond,
    sha256PerSecond,
    hmacPerSecond,
    sha256CostPercent: 100 * (1 - sha256PerSecond / withoutPerSecond),
    hmacCostPercent: 100 * (1 - hmacPerSecond / withoutPerSecond),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await benchmark();
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  process.stdout.write(
    `integrity processor, ${fmt(r.events)} generator events in calls of ${CALL_SIZE} (process + snapshot + the line stored):\n` +
      `  without:        ${fmt(r.withoutPerSecond)} events/s\n` +
      `  SHA-256 chain:  ${fmt(r.sha256PerSecond)} events/s (${r.sha256CostPercent.toFixed(1)}% of the ingest step)\n` +
      `  HMAC chain:     ${fmt(r.hmacPerSecond)} events/s (${r.hmacCostPercent.toFixed(1)}% of the ingest step)\n`,
  );
}
