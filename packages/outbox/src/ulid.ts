import { randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A new event id, `evt_<ULID>` (https://github.com/ulid/spec): 10 characters of the time
 * in milliseconds, so ids sort roughly by creation, then 80 random bits from the operating
 * system, so ids made by many processes at once never collide in practice.
 */
export function newEventId(now: number = Date.now()): string {
  let time = '';
  for (let i = 0, t = now; i < 10; i++, t = Math.floor(t / 32)) time = CROCKFORD[t % 32] + time;
  const bytes = randomBytes(16);
  let random = '';
  // One byte per character, 5 of its bits: 16 characters carry 80 random bits.
  for (const byte of bytes) random += CROCKFORD[byte & 31];
  return `evt_${time}${random}`;
}
