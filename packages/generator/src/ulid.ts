import type { Random } from './random.js';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * Monotonic ULIDs (https://github.com/ulid/spec): 10 characters of millisecond time, then 16
 * of randomness that, within one millisecond, counts up by one, so ids sort in the order
 * they were made even when many share a millisecond.
 */
export function createUlidFactory(random: Random): (timeMs: number) => string {
  let lastTime = -1;
  let timePart = '';
  const randomDigits = new Array<number>(16).fill(0);

  return (timeMs) => {
    if (timeMs > lastTime) {
      lastTime = timeMs;
      timePart = '';
      for (let i = 0, t = timeMs; i < 10; i++, t = Math.floor(t / 32)) timePart = CROCKFORD[t % 32] + timePart;
      // The top digit stays below 16 so that a long run within one millisecond cannot overflow.
      randomDigits[0] = random.int(16);
      for (let i = 1; i < 16; i++) randomDigits[i] = random.int(32);
    } else {
      // Same (or, defensively, an earlier) millisecond: keep the time and add one.
      let i = 15;
      while (randomDigits[i] === 31) randomDigits[i--] = 0;
      randomDigits[i] = (randomDigits[i] as number) + 1;
    }
    let randomPart = '';
    for (const digit of randomDigits) randomPart += CROCKFORD[digit];
    return timePart + randomPart;
  };
}
