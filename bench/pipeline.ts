/**
 * Throughput of Grantex SSE → batch → file, against a bare loop that only reads the same
 * stream, parses each event and appends it to a file; with and without persistence.
 */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { createParser } from 'eventsource-parser';
import { startGenerator } from '@ferry/generator';
import { peakRss, runFerry, scratch, untilSent } from './support.js';

export interface PipelineResult {
  readonly events: number;
  readonly bareLoopPerSecond: number;
  readonly memoryPerSecond: number;
  readonly memoryPeakRss: number;
  readonly persistentPerSecond: number;
  readonly persistentPeakRss: number;
}

async function bareLoop(events: number): Promise<number> {
  const generator = await startGenerator({ apiKey: 'k', mode: 'pull', total: events, seed: 1 });
  const work = await scratch();
  try {
    const out = createWriteStream(join(work.dir, 'bare.ndjson'));
    const started = performance.now();
    const response = await fetch(`${generator.url}/v1/events/stream`, { headers: { authorization: 'Bearer k' } });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let seen = 0;
    const parser = createParser({
      onEvent: (message) => {
        const event = JSON.parse(message.data) as { id: string };
        if (!out.write(`${JSON.stringify(event)}\n`)) {
          /* the bare loop does not wait: it is the best case */
        }
        seen++;
      },
    });
    while (seen < events) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
    }
    await new Promise<void>((resolve) => out.end(resolve));
    const seconds = (performance.now() - started) / 1000;
    await reader.cancel();
    return events / seconds;
  } finally {
    await generator.close();
    await work.cleanup();
  }
}

/** Ferry on Grantex SSE → [integrity →] batch → file, timed from start until the file exporter has every event. */
export async function ferryRun(events: number, options: { persistent: boolean; integrity?: boolean }): Promise<{ perSecond: number; peak: number }> {
  const persistent = options.persistent;
  const chain = options.integrity ? { integrity: { writerId: 'bench', secret: 'bench-chain-secret-0123' } } : {};
  const generator = await startGenerator({ apiKey: 'k', mode: 'pull', total: events, seed: 1 });
  const work = await scratch();
  try {
    const run = runFerry([
      'run',
      '--config',
      await work.config({
        ...(persistent ? { storage: { directory: join(work.dir, 'storage') } } : {}),
        receivers: { grantex: { url: generator.url, apiKey: 'k' } },
        processors: { ...chain, batch: { batchSize: 5000, flushIntervalMs: 200 } },
        exporters: { file: { directory: join(work.dir, 'archive') } },
        service: { pipelines: { events: { receivers: ['grantex'], processors: [...Object.keys(chain), 'batch'], exporters: ['file'] } }, telemetry: { progress: 'always' } },
      }),
    ]);
    await run.waitFor('collector started');
    const started = performance.now();
    const sent = untilSent(run, 'file', events);
    const peak = await peakRss(run.pid, sent);
    await sent;
    const seconds = (performance.now() - started) / 1000;
    run.signal('SIGTERM');
    await run.exited;
    return { perSecond: events / seconds, peak };
  } finally {
    await generator.close();
    await work.cleanup();
  }
}

export async function benchmarkPipeline(events: number): Promise<PipelineResult> {
  const bare = await bareLoop(events);
  const memory = await ferryRun(events, { persistent: false });
  const persistent = await ferryRun(events, { persistent: true });
  return {
    events,
    bareLoopPerSecond: bare,
    memoryPerSecond: memory.perSecond,
    memoryPeakRss: memory.peak,
    persistentPerSecond: persistent.perSecond,
    persistentPeakRss: persistent.peak,
  };
}
