/** What the exporter benchmarks share: the events, the timed export loop, the figures. */
import { createBatch, type Exporter, type FerryEvent } from '@ferry/sdk';
import { createEventFactory } from '@ferry/generator';

export interface ExporterFigures {
  readonly name: string;
  readonly eventsPerSecond: number;
  readonly requestsPerSecond: number;
  readonly cpuMsPer10kEvents: number;
  readonly notes?: string;
}

export function benchEvents(count: number, seed: number): FerryEvent[] {
  const factory = createEventFactory({ seed });
  return Array.from({ length: count }, () => factory.next());
}

export interface Timing {
  readonly seconds: number;
  readonly cpuMs: number;
}

/** Exports `events` in batches of `batchSize` (as the host would cut them), timing wall and CPU; a rejected event fails the run. */
export async function timeExports(exporter: Exporter, events: readonly FerryEvent[], batchSize: number): Promise<Timing> {
  const signal = new AbortController().signal;
  const receivedAt = Date.now();
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let at = 0; at < events.length; at += batchSize) {
    const result = await exporter.export(createBatch({ events: events.slice(at, at + batchSize), firstSeq: at, receivedAt }), { signal, attempt: 1 });
    if (result && (result.rejected?.length ?? 0) > 0) throw new Error(`${result.rejected?.length} events were rejected: ${result.rejected?.[0]?.error.message}`);
  }
  const used = process.cpuUsage(cpu);
  return { seconds: (performance.now() - started) / 1000, cpuMs: (used.user + used.system) / 1000 };
}

export function figures(name: string, events: number, requests: number, timing: Timing, notes: string): ExporterFigures {
  return { name, eventsPerSecond: events / timing.seconds, requestsPerSecond: requests / timing.seconds, cpuMsPer10kEvents: (timing.cpuMs / events) * 10_000, notes };
}
