import { describe, expect, it } from 'vitest';
import type { FerryEvent, JsonObject } from '@ferry/sdk';
import { configProblems, createTestContext, resolveComponentConfig } from '@ferry/sdk/testkit';
import definition from './index.js';

let serial = 0;
function event(type: string, data: JsonObject = {}, extra: Record<string, string> = {}): FerryEvent {
  serial += 1;
  return { id: `evt_${String(serial).padStart(4, '0')}`, type, createdAt: '2026-03-01T12:00:00.000Z', data, ...extra };
}

/** The processor exactly as the host builds it: schema defaults and checks, validate, then create. */
function filterWith(config: unknown): (events: readonly FerryEvent[]) => readonly FerryEvent[] {
  const processor = definition.create(createTestContext(resolveComponentConfig(definition, config), { id: 'filter' }));
  const process = processor.process;
  if (process === undefined) throw new Error('filter has no process step');
  return (events) => process.call(processor, events) as readonly FerryEvent[];
}

function keptTypes(config: unknown, types: readonly string[]): string[] {
  return filterWith(config)(types.map((t) => event(t))).map((e) => e.type);
}

function keeps(config: unknown, e: FerryEvent): boolean {
  return filterWith(config)([e]).length === 1;
}

const where = (condition: Record<string, unknown>) => ({ include: { where: [condition] } });

describe('filter: type globs', () => {
  const all = ['budget.exhausted', 'budget.threshold', 'budgetx.y', 'grant.created', 'grant.revoked', 'grant.expired', 'sd-jwt.presented', 'vault.credential.read'];

  it('`*` matches every type, dots included', () => {
    expect(keptTypes({ include: { types: ['*'] } }, all)).toEqual(all);
  });

  it('`budget.*` matches the budget family and not a type that merely starts with "budget"', () => {
    expect(keptTypes({ include: { types: ['budget.*'] } }, all)).toEqual(['budget.exhausted', 'budget.threshold']);
  });

  it('`*` crosses dots inside a pattern too: `vault.*` matches vault.credential.read', () => {
    expect(keptTypes({ include: { types: ['vault.*'] } }, all)).toEqual(['vault.credential.read']);
  });

  it('braces list alternatives', () => {
    expect(keptTypes({ include: { types: ['grant.{created,revoked}'] } }, all)).toEqual(['grant.created', 'grant.revoked']);
  });

  it('a type matches when any of the globs does; a glob without wildcards is an exact type', () => {
    expect(keptTypes({ include: { types: ['grant.created', 'sd-jwt.*'] } }, all)).toEqual(['grant.created', 'sd-jwt.presented']);
    expect(keptTypes({ include: { types: ['grant.create'] } }, all)).toEqual([]);
  });

  it('`?` is one character and classes work', () => {
    expect(keptTypes({ include: { types: ['grant.?xpired'] } }, all)).toEqual(['grant.expired']);
    expect(keptTypes({ include: { types: ['grant.[cr]*'] } }, all)).toEqual(['grant.created', 'grant.revoked']);
  });

  it('a leading `!` and extglobs are literal, never "everything except"', () => {
    expect(keptTypes({ include: { types: ['!grant.created'] } }, [...all, '!grant.created'])).toEqual(['!grant.created']);
    expect(keptTypes({ include: { types: ['grant.@(created)'] } }, all)).toEqual([]);
  });

  it('an unbalanced glob is refused by validate, naming the option', () => {
    expect(configProblems(definition, { exclude: { types: ['grant.*', 'budget.[oops'] } })).toEqual([expect.stringMatching(/^exclude\.types\[1\]: "budget\.\[oops" is not a valid glob/)]);
  });
});

describe('filter: where conditions', () => {
  const e = event('grant.created', {
    agentId: 'ag_1',
    amount: 5,
    limit: '100',
    scopes: ['read', 'write'],
    counts: [1, 7],
    nested: { region: 'eu-west-1', deeper: { flag: true } },
    nothing: null,
  });

  it('equals compares strictly, without type conversion', () => {
    expect(keeps(where({ field: 'data.amount', equals: 5 }), e)).toBe(true);
    expect(keeps(where({ field: 'data.amount', equals: 6 }), e)).toBe(false);
    expect(keeps(where({ field: 'data.limit', equals: 100 }), e)).toBe(false);
    expect(keeps(where({ field: 'data.limit', equals: '100' }), e)).toBe(true);
    expect(keeps(where({ field: 'data.nothing', equals: null }), e)).toBe(true);
    expect(keeps(where({ field: 'type', equals: 'grant.created' }), e)).toBe(true);
    expect(keeps(where({ field: 'id', equals: e.id }), e)).toBe(true);
  });

  it('equals on an array field holds when any element equals', () => {
    expect(keeps(where({ field: 'data.scopes', equals: 'write' }), e)).toBe(true);
    expect(keeps(where({ field: 'data.scopes', equals: 'admin' }), e)).toBe(false);
  });

  it('notEquals is the negation of equals: missing fields and arrays without the value pass', () => {
    expect(keeps(where({ field: 'data.agentId', notEquals: 'ag_2' }), e)).toBe(true);
    expect(keeps(where({ field: 'data.agentId', notEquals: 'ag_1' }), e)).toBe(false);
    expect(keeps(where({ field: 'data.missing', notEquals: 'x' }), e)).toBe(true);
    expect(keeps(where({ field: 'data.scopes', notEquals: 'admin' }), e)).toBe(true);
    expect(keeps(where({ field: 'data.scopes', notEquals: 'read' }), e)).toBe(false);
  });

  it('in holds when a scalar field is one of the values, or any array element is', () => {
    expect(keeps(where({ field: 'data.agentId', in: ['ag_0', 'ag_1'] }), e)).toBe(true);
    expect(keeps(where({ field: 'data.agentId', in: ['ag_0'] }), e)).toBe(false);
    expect(keeps(where({ field: 'data.amount', in: ['5'] }), e)).toBe(false);
    expect(keeps(where({ field: 'data.scopes', in: ['admin', 'write'] }), e)).toBe(true);
    expect(keeps(where({ field: 'data.scopes', in: ['admin'] }), e)).toBe(false);
    expect(keeps(where({ field: 'data.missing', in: ['x'] }), e)).toBe(false);
  });

  it('exists tells present (even null) from missing', () => {
    expect(keeps(where({ field: 'data.nothing', exists: true }), e)).toBe(true);
    expect(keeps(where({ field: 'data.missing', exists: true }), e)).toBe(false);
    expect(keeps(where({ field: 'data.missing', exists: false }), e)).toBe(true);
    expect(keeps(where({ field: 'data.agentId', exists: false }), e)).toBe(false);
  });

  it('matches tests a regular expression against strings only', () => {
    expect(keeps(where({ field: 'data.nested.region', matches: '^eu-' }), e)).toBe(true);
    expect(keeps(where({ field: 'data.nested.region', matches: '^us-' }), e)).toBe(false);
    expect(keeps(where({ field: 'data.agentId', matches: 'g_' }), e)).toBe(true);
    expect(keeps(where({ field: 'data.amount', matches: '5' }), e)).toBe(false);
    expect(keeps(where({ field: 'data.scopes', matches: '^wr' }), e)).toBe(true);
    expect(keeps(where({ field: 'data.missing', matches: '.*' }), e)).toBe(false);
  });

  it('gt, gte, lt and lte compare numbers only', () => {
    expect(keeps(where({ field: 'data.amount', gt: 4 }), e)).toBe(true);
    expect(keeps(where({ field: 'data.amount', gt: 5 }), e)).toBe(false);
    expect(keeps(where({ field: 'data.amount', gte: 5 }), e)).toBe(true);
    expect(keeps(where({ field: 'data.amount', gte: 5.5 }), e)).toBe(false);
    expect(keeps(where({ field: 'data.amount', lt: 6 }), e)).toBe(true);
    expect(keeps(where({ field: 'data.amount', lt: 5 }), e)).toBe(false);
    expect(keeps(where({ field: 'data.amount', lte: 5 }), e)).toBe(true);
    expect(keeps(where({ field: 'data.amount', lte: 4 }), e)).toBe(false);
    // "100" is a string: no conversion.
    expect(keeps(where({ field: 'data.limit', gt: 1 }), e)).toBe(false);
    expect(keeps(where({ field: 'data.missing', lt: 1e9 }), e)).toBe(false);
    expect(keeps(where({ field: 'data.counts', gt: 6 }), e)).toBe(true);
    expect(keeps(where({ field: 'data.counts', gt: 7 }), e)).toBe(false);
  });

  it('walks nested objects and array indexes, and treats a path through a non-object as missing', () => {
    expect(keeps(where({ field: 'data.nested.deeper.flag', equals: true }), e)).toBe(true);
    expect(keeps(where({ field: 'data.scopes.1', equals: 'write' }), e)).toBe(true);
    expect(keeps(where({ field: 'data.scopes.2', exists: true }), e)).toBe(false);
    expect(keeps(where({ field: 'data.scopes.length', exists: true }), e)).toBe(false);
    expect(keeps(where({ field: 'data.amount.value', exists: true }), e)).toBe(false);
    expect(keeps(where({ field: 'data.agentId.length', exists: true }), e)).toBe(false);
  });

  it('never reads inherited properties', () => {
    expect(keeps(where({ field: 'data.constructor', exists: true }), e)).toBe(false);
    expect(keeps(where({ field: 'data.toString', exists: true }), e)).toBe(false);
  });

  it('reads top-level fields a processor added', () => {
    const linked = event('grant.created', {}, { chain: 'abc' });
    expect(keeps(where({ field: 'chain', equals: 'abc' }), linked)).toBe(true);
  });

  it('needs every condition of a matcher to hold, and its types too', () => {
    const config = { include: { types: ['grant.*'], where: [{ field: 'data.amount', gte: 5 }, { field: 'data.agentId', equals: 'ag_1' }] } };
    expect(keeps(config, e)).toBe(true);
    expect(keeps(config, event('grant.created', { amount: 5, agentId: 'ag_2' }))).toBe(false);
    expect(keeps(config, event('grant.created', { amount: 4, agentId: 'ag_1' }))).toBe(false);
    expect(keeps(config, event('budget.exhausted', { amount: 5, agentId: 'ag_1' }))).toBe(false);
  });
});

describe('filter: include and exclude together', () => {
  const events = [
    event('grant.created', { agentId: 'ag_test' }),
    event('grant.created', { agentId: 'ag_1' }),
    event('grant.revoked', { agentId: 'ag_1' }),
    event('token.issued', { agentId: 'ag_1' }),
    event('budget.exhausted', { agentId: 'ag_test' }),
  ];
  const ids = (kept: readonly FerryEvent[]) => kept.map((k) => events.indexOf(k));

  it('no include and no exclude keeps everything', () => {
    expect(ids(filterWith({})(events))).toEqual([0, 1, 2, 3, 4]);
  });

  it('include alone keeps what matches', () => {
    expect(ids(filterWith({ include: { types: ['grant.*'] } })(events))).toEqual([0, 1, 2]);
  });

  it('exclude alone drops what matches', () => {
    expect(ids(filterWith({ exclude: { where: [{ field: 'data.agentId', equals: 'ag_test' }] } })(events))).toEqual([1, 2, 3]);
  });

  it('exclude wins over include', () => {
    const config = { include: { types: ['grant.*', 'budget.*'] }, exclude: { where: [{ field: 'data.agentId', equals: 'ag_test' }] } };
    expect(ids(filterWith(config)(events))).toEqual([1, 2]);
  });

  it('exclude with types and where drops only events matching both', () => {
    const config = { exclude: { types: ['grant.created'], where: [{ field: 'data.agentId', equals: 'ag_test' }] } };
    expect(ids(filterWith(config)(events))).toEqual([1, 2, 3, 4]);
  });
});

describe('filter: output', () => {
  it('keeps the same event objects in their order', () => {
    const events = Array.from({ length: 50 }, (_, i) => event(i % 3 === 0 ? 'budget.threshold' : 'grant.created', { n: i }));
    const kept = filterWith({ exclude: { types: ['budget.*'] } })(events);
    const expected = events.filter((_, i) => i % 3 !== 0);
    expect(kept).toHaveLength(expected.length);
    kept.forEach((k, i) => expect(k).toBe(expected[i]));
  });

  it('returns the input array itself when every event passes, and never changes it', () => {
    const events = [event('grant.created'), event('grant.revoked')];
    const frozen = Object.freeze([...events]);
    expect(filterWith({ include: { types: ['grant.*'] } })(frozen)).toBe(frozen);
    expect(filterWith({ include: { types: ['token.*'] } })(frozen)).toEqual([]);
    expect(frozen).toEqual(events);
  });

  it('handles an empty batch', () => {
    expect(filterWith({ include: { types: ['*'] } })([])).toEqual([]);
  });
});

describe('filter: refused configs', () => {
  const refused = (config: unknown) => () => resolveComponentConfig(definition, config);

  it('refuses an invalid regular expression in validate, naming the option and the reason', () => {
    const config = { include: { where: [{ field: 'data.agentId', exists: true }, { field: 'data.agentId', matches: '(unclosed' }] } };
    expect(configProblems(definition, config)).toEqual([expect.stringMatching(/^include\.where\[1\]\.matches: "\(unclosed" is not a valid regular expression: .*Unterminated group/)]);
    expect(configProblems(definition, where({ field: 'data.agentId', matches: 'end\\Z' }))).toEqual(['include.where[0].matches: "end\\\\Z" is not a valid regular expression: \\Z is not a JavaScript anchor; use $']);
    expect(configProblems(definition, where({ field: 'data.agentId', matches: '^ag_[0-9]+$' }))).toEqual([]);
  });

  it('refuses a condition with no operator or two operators in the schema', () => {
    expect(refused(where({ field: 'data.amount' }))).toThrow(/minProperties|fewer than 2/);
    expect(refused(where({ field: 'data.amount', gt: 1, lt: 9 }))).toThrow(/maxProperties|more than 2/);
  });

  it('refuses unknown operators, bad field paths and empty lists', () => {
    expect(refused(where({ field: 'data.amount', contains: 1 }))).toThrow();
    expect(refused(where({ field: 'data..amount', exists: true }))).toThrow(/field/);
    expect(refused(where({ field: '', exists: true }))).toThrow(/field/);
    expect(refused(where({ field: 'data.amount', in: [] }))).toThrow(/in/);
    expect(refused(where({ field: 'data.amount', equals: { a: 1 } }))).toThrow(/equals/);
    expect(refused(where({ field: 'data.amount', gt: 'five' }))).toThrow(/gt/);
    expect(refused({ include: { types: [] } })).toThrow(/types/);
    expect(refused({ include: { where: [] } })).toThrow(/where/);
  });

  it('refuses a matcher with neither types nor where (as an exclude it would drop everything)', () => {
    expect(refused({ exclude: {} })).toThrow(/exclude/);
  });
});
