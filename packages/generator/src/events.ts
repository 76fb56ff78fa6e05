import type { FerryEvent } from '@ferry/sdk';
import { dataFor, EVENT_TYPES } from './catalog.js';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same events. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface EventFactoryOptions {
  readonly seed?: number;
  readonly types?: readonly string[];
  /** ms since the epoch of the first event; each next event is 0–2 s later. */
  readonly startTime?: number;
}

export interface EventFactory {
  next(type?: string): FerryEvent;
}

/**
 * Realistic Grantex events: `evt_<ULID>` ids, monotonic and deterministic for a seed,
 * `createdAt` in seconds precision as the seed's DDL parses it (`2026-03-01T12:00:00Z`).
 */
export function createEventFactory(options: EventFactoryOptions = {}): EventFactory {
  const rand = random(options.seed ?? Date.now());
  const types = options.types && options.types.length > 0 ? options.types : EVENT_TYPES;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  let time = options.startTime ?? Date.parse('2026-03-01T12:00:00Z');
  let n = 0;
  let lastTime = -1;
  let counter = 0;
  const ulid = (ms: number): string => {
    // Monotonic ULIDs: within one millisecond the random part counts up.
    if (ms === lastTime) counter++;
    else {
      lastTime = ms;
      counter = Math.floor(rand() * 2 ** 40);
    }
    let timePart = '';
    for (let i = 9, t = ms; i >= 0; i--, t = Math.floor(t / 32)) timePart = CROCKFORD[t % 32] + timePart;
    let randomPart = '';
    for (let i = 0, c = counter; i < 8; i++, c = Math.floor(c / 32)) randomPart = CROCKFORD[c % 32] + randomPart;
    for (let i = 0; i < 8; i++) randomPart += CROCKFORD[Math.floor(rand() * 32)];
    return timePart + randomPart;
  };
  return {
    next(type) {
      n++;
      time += Math.floor(rand() * 2000);
      const chosen = type ?? pick(types);
      const ids = {
        agent: `ag_${Math.floor(rand() * 500).toString(36)}`,
        principal: `user-${Math.floor(rand() * 5000)}`,
        grant: `grnt_${Math.floor(rand() * 20_000).toString(36)}`,
        token: `tok_${n.toString(36)}`,
      };
      return {
        id: `evt_${ulid(time)}`,
        type: chosen,
        createdAt: new Date(Math.floor(time / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
        data: dataFor(chosen, ids, pick, n),
      };
    },
  };
}
