import { describe, expect, it } from 'vitest';
import { describeNetworkError as describeError } from './network.js';

const withCode = (message: string, code: string): Error => Object.assign(new Error(message), { code });

describe('describeNetworkError', () => {
  it('names the causes fetch hides under "fetch failed" and "terminated", adding a code the message lacks', () => {
    expect(describeError(new TypeError('fetch failed', { cause: withCode('connect ECONNREFUSED 127.0.0.1:7700', 'ECONNREFUSED') }))).toBe('fetch failed: connect ECONNREFUSED 127.0.0.1:7700');
    expect(describeError(new TypeError('terminated', { cause: withCode('other side closed', 'UND_ERR_SOCKET') }))).toBe('terminated: other side closed (UND_ERR_SOCKET)');
  });

  it('lists every address tried, and stops on a cause chain that loops', () => {
    const tried = Object.assign(new AggregateError([withCode('connect ECONNREFUSED ::1:7700', 'ECONNREFUSED'), withCode('connect ECONNREFUSED 127.0.0.1:7700', 'ECONNREFUSED')], ''), { code: 'ECONNREFUSED' });
    expect(describeError(new TypeError('fetch failed', { cause: tried }))).toBe('fetch failed: connect ECONNREFUSED ::1:7700; connect ECONNREFUSED 127.0.0.1:7700');
    const looping = new Error('a');
    looping.cause = new Error('b', { cause: looping });
    expect(describeError(looping)).toBe('a: b');
    expect(describeError('text')).toBe('text');
  });
});
