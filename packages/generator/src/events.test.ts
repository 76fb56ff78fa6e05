import { describe, expect, it } from 'vitest';
import { checkEvent, type FerryEvent } from '@ferry/sdk';
import { createEventFactory, EVENT_TYPES } from './index.js';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ulidTime = (id: string): number => [...id.slice(4, 14)].reduce((ms, c) => ms * 32 + CROCKFORD.indexOf(c), 0);
const make = (count: number, options: Parameters<typeof createEventFactory>[0]): FerryEvent[] => {
  const factory = createEventFactory(options);
  return Array.from({ length: count }, () => factory.next());
};

describe('createEventFactory', () => {
  it('makes the same events for the same seed, and different ones for another', () => {
    expect(make(500, { seed: 5 })).toEqual(make(500, { seed: 5 }));
    expect(make(500, { seed: 6 }).map((e) => e.id)).not.toEqual(make(500, { seed: 5 }).map((e) => e.id));
  });

  it('gives evt_<ULID> ids that sort in the order the events were made, also within one millisecond', () => {
    const events = make(20_000, { seed: 1 });
    const ids = events.map((e) => e.id);
    expect(ids.filter((id) => !/^evt_[0-9A-HJKMNP-TV-Z]{26}$/.test(id))).toEqual([]);
    expect(ids.filter((id, i) => i > 0 && id <= ids[i - 1]!)).toEqual([]);
    // The ULID's time is the event's time; some neighbours share a millisecond.
    expect(ids.filter((id, i) => i > 0 && ulidTime(id) === ulidTime(ids[i - 1]!)).length).toBeGreaterThan(0);
    for (const event of events.slice(0, 100)) expect(Math.floor(ulidTime(event.id) / 1000) * 1000).toBe(Date.parse(event.createdAt));
  });

  it('writes createdAt without milliseconds, from startTime on, never going back', () => {
    const start = Date.parse('2026-05-04T10:00:00Z');
    const events = make(1000, { seed: 2, startTime: start });
    for (const event of events) expect(event.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const times = events.map((e) => Date.parse(e.createdAt));
    expect(times[0]).toBeGreaterThanOrEqual(start);
    expect(times[0]).toBeLessThan(start + 2000);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]!);
    expect(make(1, { seed: 2 })[0]!.createdAt.startsWith('2026-03-01T12:00:0')).toBe(true);
  });

  it('covers every documented type with valid envelopes that survive a JSON round trip', () => {
    const events = make(5000, { seed: 3 });
    for (const event of events) {
      expect(checkEvent(event)).toBeUndefined();
      expect(JSON.parse(JSON.stringify(event))).toEqual(event);
    }
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(EVENT_TYPES));
    expect(EVENT_TYPES).toEqual(expect.arrayContaining(['grant.created', 'grant.revoked', 'token.issued', 'budget.threshold', 'budget.exhausted', 'vc.issued', 'anomaly.auto_revoked']));
    for (const family of ['fido.', 'sd-jwt.', 'passport.', 'sso.', 'vault.credential.', 'consent_bundle.', 'dpdp.']) expect(EVENT_TYPES.some((t) => t.startsWith(family))).toBe(true);
    expect(EVENT_TYPES.length).toBeGreaterThanOrEqual(24);
    expect(Object.isFrozen(EVENT_TYPES)).toBe(true);
  });

  it('fills data plausibly for each type', () => {
    const factory = createEventFactory({ seed: 4 });
    const of = (type: string) => factory.next(type).data;
    const grant = of('grant.created');
    expect(grant).toMatchObject({ grantId: expect.stringMatching(/^grnt_/), agentId: expect.stringMatching(/^ag_/), principalId: expect.stringMatching(/^user_/) });
    expect((grant.scopes as string[]).length).toBeGreaterThan(0);
    expect(of('token.issued')).toMatchObject({ tokenId: expect.stringMatching(/^tok_/), grantId: expect.any(String), expiresIn: expect.any(Number) });
    expect(of('grant.revoked')).toMatchObject({ grantId: expect.any(String), reason: expect.any(String), cascade: expect.any(Boolean) });
    for (let i = 0; i < 50; i++) {
      const threshold = of('budget.threshold');
      expect(threshold.spent as number).toBeLessThan(threshold.limit as number);
      expect(threshold.spent as number).toBeGreaterThanOrEqual(((threshold.limit as number) * (threshold.thresholdPercent as number)) / 100);
      const exhausted = of('budget.exhausted');
      expect(exhausted.spent).toBe(exhausted.limit);
    }
    expect(of('anomaly.auto_revoked')).toMatchObject({ grantId: expect.any(String), rule: expect.any(String), score: expect.any(Number) });
    expect(of('dpdp.erasure.requested')).toMatchObject({ dataPrincipal: expect.any(String), jurisdiction: 'IN' });
    // A type outside the catalog still gets its actors.
    expect(of('custom.thing')).toEqual({ agentId: expect.any(String), principalId: expect.any(String) });
  });

  it('chooses only among the given types, and makes the type asked for', () => {
    const events = make(300, { seed: 5, types: ['sso.login', 'budget.exhausted'] });
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(['sso.login', 'budget.exhausted']));
    expect(createEventFactory({ seed: 5 }).next('vc.issued').type).toBe('vc.issued');
  });

  it('includes non-ASCII text, so that streams can be cut inside UTF-8 characters', () => {
    const text = make(200, { seed: 6 }).map((e) => JSON.stringify(e)).join('');
    expect(Buffer.byteLength(text)).toBeGreaterThan(text.length);
  });
});
