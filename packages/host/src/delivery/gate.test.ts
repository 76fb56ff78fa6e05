import { describe, expect, it } from 'vitest';
import { ExporterGate } from './gate.js';

describe('the exporter gate', () => {
  it('halves concurrency when the destination pushes back, and grows it back one success at a time', () => {
    const gate = new ExporterGate(8);
    gate.failed(true, undefined);
    expect(gate.limit).toBe(4);
    gate.failed(true, undefined);
    gate.failed(true, undefined);
    gate.failed(true, undefined);
    expect(gate.limit).toBe(1);
    for (let i = 0; i < 7; i++) gate.succeeded();
    expect(gate.limit).toBe(8);
  });

  it('keeps concurrency on an isolated failure among successes', () => {
    const gate = new ExporterGate(4);
    for (let i = 0; i < 30; i++) {
      if (i % 10 === 0) gate.failed(false, undefined);
      else gate.succeeded();
      expect(gate.limit).toBe(4);
    }
  });

  it('treats failures above half of recent attempts as push-back', () => {
    const gate = new ExporterGate(4);
    const limits: number[] = [];
    for (let i = 0; i < 12; i++) {
      gate.failed(false, undefined);
      limits.push(gate.limit);
    }
    // Nine failures are not yet a rate; from the tenth on, each halves it.
    expect(limits).toEqual([4, 4, 4, 4, 4, 4, 4, 4, 4, 2, 1, 1]);
  });
});
