import { describe, expect, it } from 'vitest';
import { PublishWindow } from './window.js';

describe('the publish window', () => {
  it('never lets more than its size through at once, over several batches taking from it together, and lets every one through', async () => {
    const window = new PublishWindow(5);
    let inFlight = 0;
    let most = 0;
    let done = 0;
    const publish = async () => {
      await window.take();
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      done++;
      window.give();
    };
    const batch = (n: number) => Promise.all(Array.from({ length: n }, publish));
    await Promise.all([batch(40), batch(40), batch(40)]);
    expect(most).toBe(5);
    expect(done).toBe(120);
    expect(inFlight).toBe(0);
  });
});
