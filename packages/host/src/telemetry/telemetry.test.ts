import { describe, expect, it } from 'vitest';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { Telemetry } from './metrics.js';
import { createScrubber } from './logger.js';

describe('component telemetry', () => {
  it('records what components accept, filter, send and fail through OpenTelemetry, with their ids', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const provider = new MeterProvider({ readers: [reader] });
    const telemetry = new Telemetry(provider.getMeter('ferry'));
    const receiver = telemetry.component('receiver', 'grantex');
    const exporterCounts = telemetry.component('exporter', 's3', 'events');
    receiver.add('accepted', 10);
    receiver.count('malformed', 2);
    exporterCounts.add('sent', 7);
    exporterCounts.add('failed', 1);
    await reader.forceFlush();
    const points = new Map<string, Array<{ value: unknown; attributes: unknown }>>();
    for (const resource of exporter.getMetrics()) {
      for (const scope of resource.scopeMetrics) {
        for (const metric of scope.metrics) points.set(metric.descriptor.name, metric.dataPoints.map((p) => ({ value: p.value, attributes: p.attributes })));
      }
    }
    expect(points.get('ferry.receiver.accepted_events')).toEqual([{ value: 10, attributes: { receiver: 'grantex' } }]);
    expect(points.get('ferry.receiver.malformed')).toEqual([{ value: 2, attributes: { receiver: 'grantex' } }]);
    expect(points.get('ferry.exporter.sent_events')).toEqual([{ value: 7, attributes: { exporter: 's3', pipeline: 'events' } }]);
    expect(points.get('ferry.exporter.dead_lettered_events')).toEqual([{ value: 1, attributes: { exporter: 's3', pipeline: 'events' } }]);
    // Counters a component has are shown from the start, at 0.
    expect(points.get('ferry.exporter.lost_events')).toEqual([{ value: 0, attributes: { exporter: 's3', pipeline: 'events' } }]);
    expect(telemetry.views().map((v) => [v.kind, v.id, v.counts.accepted + v.counts.sent])).toEqual([
      ['receiver', 'grantex', 10],
      ['exporter', 's3', 7],
    ]);
    await provider.shutdown();
  });
});

describe('secret scrubbing', () => {
  it('replaces every secret value, raw or JSON-escaped, in text leaving the process', () => {
    const scrub = createScrubber(['sk_live_"quoted"', 'abcd1234']);
    expect(scrub('key=abcd1234 json={"k":"sk_live_\\"quoted\\""}')).toBe('key=*** json={"k":"***"}');
    expect(createScrubber([])('unchanged')).toBe('unchanged');
  });
});

describe('the logger', () => {
  async function capture(format: 'pretty' | 'json'): Promise<string> {
    const { Writable } = await import('node:stream');
    const { createLogger } = await import('./logger.js');
    const { Terminal } = await import('./terminal.js');
    let text = '';
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString();
        done();
      },
    }) as unknown as NodeJS.WriteStream;
    const logger = createLogger({ level: 'info', format, terminal: new Terminal(stream), secrets: ['sk_live_topsecret'] });
    logger.info('connected with sk_live_topsecret', { key: 'sk_live_topsecret', component: 'receiver/grantex' });
    logger.debug('not shown');
    return text;
  }

  it('writes readable lines (as in a terminal) and JSON lines, scrubbing secrets from both', async () => {
    const pretty = await capture('pretty');
    expect(pretty).toMatch(/INFO.*connected with \*\*\*/);
    expect(pretty).toContain('receiver/grantex');
    const json = JSON.parse((await capture('json')).trim()) as Record<string, unknown>;
    expect(json).toMatchObject({ level: 'info', msg: 'connected with ***', key: '***', component: 'receiver/grantex' });
    expect(pretty + JSON.stringify(json)).not.toContain('sk_live_topsecret');
    expect(pretty).not.toContain('not shown');
  });
});
