import { describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../config/types.js';
import { planReload } from './reload-plan.js';

function config(overrides: { receivers?: Record<string, Record<string, unknown>>; processors?: Record<string, Record<string, unknown>>; exporters?: Record<string, Record<string, unknown>>; pipelines?: Record<string, { receivers: string[]; processors?: string[]; exporters: string[] }>; storage?: object; memoryMaxBytes?: number }): ResolvedConfig {
  const pipelines = overrides.pipelines ?? { events: { receivers: ['webhook'], processors: ['batch'], exporters: ['file', 's3'] } };
  return {
    plugins: [],
    storage: (overrides.storage ?? { directory: '/var/lib/ferry' }) as ResolvedConfig['storage'],
    receivers: overrides.receivers ?? { webhook: { endpoint: '127.0.0.1:8080' } },
    processors: overrides.processors ?? { batch: { batchSize: 100 } },
    exporters: overrides.exporters ?? { file: { directory: 'a', batchSize: 10 }, s3: { bucket: 'b' } },
    service: {
      pipelines: Object.fromEntries(Object.entries(pipelines).map(([k, p]) => [k, { processors: [], ...p }])),
      // Not read by the plan.
      telemetry: {} as ResolvedConfig['service']['telemetry'],
      shutdownTimeoutMs: 30_000,
      memoryMaxBytes: overrides.memoryMaxBytes ?? 4 * 1024 * 1024,
    },
  };
}

describe('planning a reload', () => {
  it('finds nothing to do when only the key order differs', () => {
    const before = config({ exporters: { file: { directory: 'a', batchSize: 10 }, s3: { bucket: 'b' } } });
    const after = config({ exporters: { s3: { bucket: 'b' }, file: { batchSize: 10, directory: 'a' } } });
    expect(planReload(before, after).unchanged).toBe(true);
  });

  it("restarts only an exporter whose options changed, in every pipeline it serves, keeping the others' runners", () => {
    const plan = planReload(config({}), config({ exporters: { file: { directory: 'a', batchSize: 20 }, s3: { bucket: 'b' } } }));
    expect(plan.exporters).toEqual({ add: [], remove: [], restart: ['file'] });
    expect(plan.stopSeats).toEqual([{ pipeline: 'events', exporter: 'file' }]);
    expect(plan.startSeats).toEqual([{ pipeline: 'events', exporter: 'file' }]);
    expect(plan.retiredSeats).toEqual([]);
    expect(plan.receivers).toEqual({ add: [], remove: [], restart: [] });
  });

  it('adds and removes exporters: a removed one is retired (its backlog kept and reported), an added one starts', () => {
    const plan = planReload(
      config({}),
      config({ exporters: { file: { directory: 'a', batchSize: 10 }, datadog: { apiKey: 'k' } }, pipelines: { events: { receivers: ['webhook'], processors: ['batch'], exporters: ['file', 'datadog'] } } }),
    );
    expect(plan.exporters).toEqual({ add: ['datadog'], remove: ['s3'], restart: [] });
    expect(plan.retiredSeats).toEqual([{ pipeline: 'events', exporter: 's3' }]);
    expect(plan.stopSeats).toEqual([{ pipeline: 'events', exporter: 's3' }]);
    expect(plan.startSeats).toEqual([{ pipeline: 'events', exporter: 'datadog' }]);
  });

  it("rebuilds a pipeline's processors when one changes, restarting that pipeline's runners (they take its batching)", () => {
    const plan = planReload(config({}), config({ processors: { batch: { batchSize: 500 } } }));
    expect(plan.pipelines.reprocess).toEqual(['events']);
    expect(plan.stopSeats.map((s) => s.exporter)).toEqual(['file', 's3']);
    expect(plan.exporters.restart).toEqual([]);
  });

  it('restarts a receiver whose options or pipelines changed; a new pipeline is added with its seats', () => {
    const plan = planReload(
      config({}),
      config({ pipelines: { events: { receivers: ['webhook'], processors: ['batch'], exporters: ['file', 's3'] }, audit: { receivers: ['webhook'], exporters: ['file'] } } }),
    );
    expect(plan.receivers.restart).toEqual(['webhook']);
    expect(plan.pipelines.add).toEqual(['audit']);
    expect(plan.startSeats).toEqual([{ pipeline: 'audit', exporter: 'file' }]);
    expect(plan.exporters.restart).toEqual([]);
  });

  it('refuses a change of storage, which cannot change while running', () => {
    const plan = planReload(config({}), config({ storage: { directory: '/elsewhere' } }));
    expect(plan.refused).toEqual(["storage: cannot change while Ferry runs (the pipelines' logs live there); restart Ferry to apply it"]);
  });

  it('refuses a change of the in-memory bound, which the pipelines\' logs were made with', () => {
    const plan = planReload(config({}), config({ memoryMaxBytes: 16 * 1024 * 1024 }));
    expect(plan.refused).toEqual(["service.memoryMaxBytes: cannot change while Ferry runs (it bounds the pipelines' logs, made at start); restart Ferry to apply it"]);
  });
});
