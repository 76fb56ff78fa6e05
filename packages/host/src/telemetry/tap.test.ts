import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TapHub, type TappedEvent } from './tap.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('taps', () => {
  it('cost nothing while nobody taps, and pass on up to `limit` events per interval from what they follow', () => {
    const hub = new TapHub();
    expect(hub.active).toBe(false);
    const samples: Array<readonly TappedEvent[]> = [];
    const end = hub.subscribe({ kind: 'exporter', id: 'file' }, { limit: 2, intervalMs: 500, deliver: (events) => samples.push(events) });
    expect([hub.active, hub.wants('exporter', 'file'), hub.wants('exporter', 's3'), hub.wants('receiver', 'grantex')]).toEqual([true, true, false, false]);
    hub.offer('exporter', 'file', 'events', ['{"id":"a"}', '{"id":"b"}', '{"id":"c"}']);
    hub.offer('exporter', 's3', 'events', ['{"id":"x"}']);
    vi.advanceTimersByTime(500);
    hub.offer('exporter', 'file', 'events', ['{"id":"d"}']);
    vi.advanceTimersByTime(500);
    vi.advanceTimersByTime(500);
    expect(samples).toEqual([
      [
        { pipeline: 'events', line: '{"id":"a"}' },
        { pipeline: 'events', line: '{"id":"b"}' },
      ],
      [{ pipeline: 'events', line: '{"id":"d"}' }],
    ]);
    end();
    expect(hub.active).toBe(false);
  });

  it('a receiver tap sees what that receiver handed in; a processor tap sees what its pipelines stored', () => {
    const hub = new TapHub();
    const byReceiver: string[] = [];
    const byProcessor: string[] = [];
    hub.subscribe({ kind: 'receiver', id: 'webhook' }, { limit: 10, intervalMs: 100, deliver: (events) => byReceiver.push(...events.map((e) => e.line)) });
    hub.subscribe({ kind: 'pipelines', id: 'redact', pipelines: ['audit'] }, { limit: 10, intervalMs: 100, deliver: (events) => byProcessor.push(...events.map((e) => `${e.pipeline} ${e.line}`)) });
    expect(hub.wants('receiver', 'grantex')).toBe(true);
    hub.offer('receiver', 'webhook', 'events', ['w1']);
    hub.offer('receiver', 'grantex', 'audit', ['g1']);
    hub.offer('receiver', 'grantex', 'events', ['g2']);
    vi.advanceTimersByTime(100);
    expect(byReceiver).toEqual(['w1']);
    expect(byProcessor).toEqual(['audit g1']);
  });
});
