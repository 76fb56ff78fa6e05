import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import type { FerryEvent } from '@ferry/sdk';
import { conformanceCases, createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import redact from './index.js';

const SECRET = 'a-redaction-secret';
const event = (type: string): FerryEvent => ({ id: 'evt_1', type, createdAt: '2026-03-01T12:00:00Z', data: { ip: '10.0.0.1', principalId: 'user-123', nested: { email: 'a@b.c', keep: 1 }, grantId: 'g1' } });
const make = (rules: unknown) => redact.create(createTestContext(resolveConfig(redact.configSchema, { rules, secret: SECRET })));
const hmac = (value: unknown) => `hmac-sha256:${createHmac('sha256', SECRET).update(JSON.stringify(value)).digest('hex')}`;

describe('the redact processor', () => {
  describe('SDK conformance', () => {
    for (const c of conformanceCases(redact, { config: { rules: [{ remove: ['data.ip'] }] }, invalidConfigs: [{ config: { rules: [] }, because: 'at least one rule' }] })) it(c.name, c.run);
  });

  it('removes and hashes exactly the configured fields, for the matching types only', () => {
    const r = make([{ types: ['grant.*'], remove: ['data.ip'], hash: ['data.principalId', 'data.nested.email'] }]);
    const input = [event('grant.created'), event('token.issued')];
    const [changed, untouched] = r.process!(input) as FerryEvent[];
    expect(changed!.data).toEqual({ principalId: hmac('user-123'), nested: { email: hmac('a@b.c'), keep: 1 }, grantId: 'g1' });
    expect(untouched).toBe(input[1]);
    expect(input[0]!.data).toEqual(event('grant.created').data);
  });

  it('gives the same hash for the same value, so records stay joinable', () => {
    const r = make([{ hash: ['data.principalId'] }]);
    const [a, b] = r.process!([event('x'), event('y')]) as FerryEvent[];
    expect(a!.data.principalId).toBe(b!.data.principalId);
  });

  it('leaves events without the fields as they are, and refuses hashing without a secret', () => {
    const r = make([{ remove: ['data.absent.deep'] }]);
    const input = [event('x')];
    expect((r.process!(input) as FerryEvent[])[0]).toBe(input[0]);
    expect(() => redact.create(createTestContext(resolveConfig(redact.configSchema, { rules: [{ hash: ['data.ip'] }] }), { id: 'redact' }))).toThrow('processors.redact.secret is required when a rule hashes fields');
  });
});
