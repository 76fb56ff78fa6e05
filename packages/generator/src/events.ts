import type { FerryEvent } from '@ferry/sdk';
import { dataFor, EVENT_TYPES } from './catalog.js';
import { createRandom } from './random.js';
import { createUlidFactory } from './ulid.js';

export interface EventFactoryOptions {
  /** Same seed, same events. Default: a different sequence each time. */
  readonly seed?: number;
  /** The types to choose from (default: every type in `EVENT_TYPES`). */
  readonly types?: readonly string[];
  /** ms since the epoch of the first event (default 2026-03-01T12:00:00Z); each next one is 0–2 s later. */
  readonly startTime?: number;
}

export interface EventFactory {
  /** The next event, of `type` if given, else of a type picked from the factory's types. */
  next(type?: string): FerryEvent;
}

export const DEFAULT_START_TIME = Date.parse('2026-03-01T12:00:00Z');

/**
 * Realistic Grantex events: `evt_<ULID>` ids, monotonic and deterministic for a seed;
 * `createdAt` without milliseconds, the form the seed's Athena/BigQuery DDL parses
 * (`%Y-%m-%dT%H:%M:%SZ`); and a plausible `data` for each type.
 */
export function createEventFactory(options: EventFactoryOptions = {}): EventFactory {
  const random = createRandom(options.seed ?? Math.floor(Math.random() * 2 ** 32));
  const ulid = createUlidFactory(random);
  const types = options.types && options.types.length > 0 ? [...options.types] : EVENT_TYPES;
  let timeMs = options.startTime ?? DEFAULT_START_TIME;
  let n = 0;
  return {
    next(type) {
      n++;
      timeMs += random.int(2000);
      const chosen = type ?? random.pick(types);
      const data = dataFor(chosen, {
        agentId: `ag_${random.int(500).toString(36)}`,
        principalId: `user_${random.int(5000)}`,
        grantId: `grnt_${random.int(20_000).toString(36)}`,
        tokenId: `tok_${n.toString(36)}`,
        timeMs,
        n,
        random,
      });
      const createdAt = new Date(timeMs - (timeMs % 1000)).toISOString().replace('.000Z', 'Z');
      return { id: `evt_${ulid(timeMs)}`, type: chosen, createdAt, data };
    },
  };
}
