import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { decodeEvent, textOf, type FerryEvent } from '@ferry/sdk';
import { configProblems, conformanceCases, createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import redact from './index.js';

const SECRET = 'a-redaction-secret';
const hmac = (text: string) => createHmac('sha256', SECRET).update(text).digest('hex');
const event = (type: string, id = 'evt_1'): FerryEvent => ({
  id,
  type,
  createdAt: '2026-03-01T12:00:00Z',
  data: { ip: '10.0.0.1', principalId: 'user-123', nested: { email: 'a@b.c', keep: 1 }, grantId: 'g1', devices: [{ ip: '10.0.0.2', name: 'a' }, { name: 'b' }] },
});
const make = (config: object) => redact.create(createTestContext(resolveConfig(redact.configSchema, { secret: SECRET, ...config }), { id: 'redact' }));

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

describe('the redact processor', () => {
  describe('SDK conformance', () => {
    for (const c of conformanceCases(redact, {
      config: { rules: [{ types: ['grant.*'], remove: ['data.ip'], hash: ['data.principalId'] }], secret: SECRET },
      invalidConfigs: [
        { config: { rules: [] }, because: 'at least one rule' },
        { config: { rules: [{ remove: ['data..ip'] }] }, because: 'a path has no empty segment' },
        { config: { rules: [{ types: [], remove: ['data.ip'] }] }, because: 'a rule names at least one type' },
        { config: { rules: [{ remove: ['data.ip'] }], hashFormat: 'base64' }, because: 'hashFormat is prefixed or hex' },
        { config: { rules: [{ remove: ['data.ip'] }], secret: 'short' }, because: 'a secret has at least 16 characters' },
        { config: { rules: [{ remove: ['data'] }] }, because: 'the event\'s own data cannot be redacted whole' },
        { config: { rules: [{ hash: ['data.ip'] }] }, because: 'hashing needs a secret' },
      ],
    })) it(c.name, c.run);
  });

  it('removes and hashes exactly the configured fields, for the matching types only, without touching its input', () => {
    const r = make({ rules: [{ types: ['grant.*'], remove: ['data.ip'], hash: ['data.principalId', 'data.nested.email'] }] });
    const input = deepFreeze([event('grant.created'), event('token.issued')]);
    const [changed, untouched] = r.process!(input) as FerryEvent[];
    expect(changed).toEqual({
      id: 'evt_1',
      type: 'grant.created',
      createdAt: '2026-03-01T12:00:00Z',
      data: { principalId: `hmac:${hmac('user-123')}`, nested: { email: `hmac:${hmac('a@b.c')}`, keep: 1 }, grantId: 'g1', devices: event('x').data.devices },
    });
    expect(untouched).toBe(input[1]);
    expect(changed!.data.devices).toBe(input[0]!.data.devices); // unchanged parts are shared, not copied
  });

  it('applies through arrays to every element, and leaves events without the fields as the same objects', () => {
    const r = make({ rules: [{ remove: ['data.devices.ip', 'data.absent.deep'] }] });
    const input = deepFreeze([event('sso.login'), { ...event('sso.login'), data: { other: true } }]);
    const [changed, untouched] = r.process!(input) as FerryEvent[];
    expect(changed!.data.devices).toEqual([{ name: 'a' }, { name: 'b' }]);
    expect(untouched).toBe(input[1]);
  });

  it('gives the same hash for the same value across events and types, so records stay joinable', () => {
    const r = make({ rules: [{ types: ['*'], hash: ['data.principalId', 'data.nested'] }], hashFormat: 'hex' });
    const [a, b] = r.process!([event('grant.created', 'evt_1'), event('budget.threshold', 'evt_2')]) as FerryEvent[];
    expect(a!.data.principalId).toBe(hmac('user-123'));
    expect(a!.data.principalId).toBe(b!.data.principalId);
    // A non-string value is keyed as its canonical JSON: member order does not matter.
    expect(a!.data.nested).toBe(hmac('{"email":"a@b.c","keep":1}'));
  });

  it('rewrites only the redacted values in the text the source sent, every other byte kept', () => {
    const r = make({ rules: [{ types: ['grant.*'], remove: ['data.ip', 'data.devices.ip'], hash: ['data.principalId'] }] });
    const source = '{"id":"evt_1","type":"grant.created","createdAt":"2026-03-01T12:00:00Z","data":{"ip":"10.0.0.1", "n":12345678901234567891,"10":"x","principalId":"user-123","devices":[{"ip":"10.0.0.2","name":"caf\\u00e9"},{"name":"b"}],"2":"y"}}';
    const decoded = decodeEvent(source);
    if (!decoded.ok) throw new Error(decoded.problem);
    const [changed] = r.process!([decoded.event]) as FerryEvent[];
    expect(textOf(changed!)).toBe(`{"id":"evt_1","type":"grant.created","createdAt":"2026-03-01T12:00:00Z","data":{"n":12345678901234567891,"10":"x","principalId":"hmac:${hmac('user-123')}","devices":[{"name":"caf\\u00e9"},{"name":"b"}],"2":"y"}}`);
    expect(JSON.parse(textOf(changed!)!)).toEqual(changed);
    const untouched = decodeEvent(source.replace('grant.created', 'token.issued'));
    if (!untouched.ok) throw new Error(untouched.problem);
    expect(r.process!([untouched.event])).toEqual([untouched.event]);
    expect(textOf((r.process!([untouched.event]) as FerryEvent[])[0]!)).toBe(textOf(untouched.event));
  });

  it('applies every matching rule in order', () => {
    const r = make({ rules: [{ types: ['grant.*'], hash: ['data.ip'] }, { types: ['grant.created'], remove: ['data.ip'] }, { types: ['token.*'], remove: ['data.grantId'] }] });
    const [created, revoked] = r.process!([event('grant.created'), event('grant.revoked')]) as FerryEvent[];
    expect(created!.data.ip).toBeUndefined();
    expect(revoked!.data.ip).toBe(`hmac:${hmac('10.0.0.1')}`);
    expect(revoked!.data.grantId).toBe('g1');
  });

  it('refuses configs that cannot work in validate, naming each option, before anything is created', () => {
    expect(configProblems(redact, { rules: [{ hash: ['data.ip'] }] })).toEqual(['secret: required when a rule hashes fields — set secret (16 characters or more), for example "${env:FERRY_REDACT_SECRET}"']);
    expect(configProblems(redact, { rules: [{ types: ['grant.*'] }] })).toEqual(['rules[0]: names no field to remove or hash']);
    expect(configProblems(redact, { rules: [{ remove: ['data.ip', 'type'] }] })).toEqual(['rules[0].remove[1]: "type" is part of every event and cannot be redacted whole — name a field inside it (such as "data.ip")']);
    expect(configProblems(redact, { rules: [{ remove: ['ferry.hash'] }] })).toEqual(['rules[0].remove[0]: "ferry.hash" is Ferry\'s own envelope (the integrity link), not event data']);
    expect(configProblems(redact, { rules: [{ types: ['[a-'], remove: ['data.ip'] }] })).toEqual([expect.stringMatching(/^rules\[0\]\.types\[0\]: "\[a-" is not a valid glob/)]);
    // Every problem at once.
    expect(configProblems(redact, { rules: [{ remove: ['id'] }, { types: ['grant.*'], hash: ['createdAt'] }] })).toHaveLength(3);
  });

  it('never puts its secret in a problem', () => {
    const problems = configProblems(redact, { secret: SECRET, rules: [{ remove: ['type'] }, { hash: [SECRET.slice(0, 5)], types: ['[x'] }] });
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).not.toContain(SECRET);
  });
});
