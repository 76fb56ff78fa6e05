import { describe, expect, it } from 'vitest';
import type { FerryEvent } from '@ferry/sdk';
import { configProblems, conformanceCases, createTestContext, resolveComponentConfig } from '@ferry/sdk/testkit';
import processor from './index.js';

const event = (id: string, type: string): FerryEvent => ({ id, type, createdAt: '2026-03-01T12:00:00Z', data: { n: id } });

/** The processor as the host builds it: schema defaults and checks, validate, then create. */
function processWith(options: Record<string, unknown>, events: readonly FerryEvent[]): readonly FerryEvent[] {
  const instance = processor.create(createTestContext(resolveComponentConfig(processor, options)));
  return (instance.process?.(events) ?? events) as readonly FerryEvent[];
}

describe('the processor', () => {
  describe('keeps the contract every Ferry component keeps', () => {
    for (const c of conformanceCases(processor, {
      config: { dropTypes: ['token.introspected'] },
      invalidConfigs: [
        { config: { dropTypes: [''] }, because: 'a type is never empty' },
        { config: { dropTypes: ['grant.*'] }, because: 'types are matched exactly, not as globs' },
        { config: { dropTypes: 'grant.created' }, because: 'dropTypes is a list' },
      ],
    })) {
      it(c.name, c.run);
    }
  });

  it('drops the listed types and passes the rest on as the same objects, in order', () => {
    const events = [event('1', 'grant.created'), event('2', 'token.introspected'), event('3', 'grant.revoked')];
    const kept = processWith({ dropTypes: ['token.introspected'] }, events);
    expect(kept).toEqual([events[0], events[2]]);
    expect(kept[0]).toBe(events[0]);
  });

  it('passes the very batch on when there is nothing to drop', () => {
    const events = [event('1', 'grant.created')];
    expect(processWith({}, events)).toBe(events);
  });

  it('refuses a glob before anything runs, naming the option', () => {
    expect(configProblems(processor, { dropTypes: ['grant.created', 'budget.*'] })).toEqual([
      'dropTypes[1]: "budget.*" is a pattern, and types here are matched exactly — list each type, or use Ferry\'s filter processor for globs',
    ]);
  });
});
