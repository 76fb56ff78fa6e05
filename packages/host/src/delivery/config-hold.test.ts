import { describe, expect, it } from 'vitest';
import { ConfigError } from '@ferry/sdk';
import { ConfigHold } from './config-hold.js';

describe('an exporter held for its configuration', () => {
  it('reports a refusal once per streak, again when the words change, and again after a delivery', () => {
    const reported: string[] = [];
    const hold = new ConfigHold((error) => reported.push(error.message));
    expect(hold.holding).toBe(false);
    for (let i = 0; i < 5; i++) hold.refused(new ConfigError('key revoked'));
    expect([hold.holding, reported]).toEqual([true, ['key revoked']]);
    hold.refused(new ConfigError('table gone'));
    hold.delivered();
    expect(hold.holding).toBe(false);
    hold.refused(new ConfigError('key revoked'));
    expect(reported).toEqual(['key revoked', 'table gone', 'key revoked']);
  });
});
