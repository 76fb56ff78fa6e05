import { describe, expect, it } from 'vitest';
import { ConfigError, isPermanent, isPushBack, PermanentError, RetryableError, retryAfterOf } from '../errors.js';
import { isRequestTooLarge, RequestTooLargeError, statusError } from './status.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');

describe('what an HTTP status means for the host', () => {
  it('is no error for 2xx', () => {
    for (const status of [200, 201, 202, 204, 299]) expect(statusError(status, 'ok')).toBeUndefined();
  });

  it('retries 408, 429 and 5xx; 408, 429 and 503 push back, another 5xx alone does not', () => {
    for (const [status, pushBack] of [[408, true], [429, true], [503, true], [500, false], [502, false], [504, false], [599, false]] as const) {
      const error = statusError(status, `answered ${status}`);
      expect(error).toBeInstanceOf(RetryableError);
      expect([status, (error as RetryableError).pushBack, isPushBack(error), isPermanent(error)]).toEqual([status, pushBack, pushBack, false]);
    }
  });

  it('honours Retry-After in seconds and as an HTTP date on a retryable status', () => {
    expect(retryAfterOf(statusError(429, 'slow down', { retryAfter: '3' }))).toBe(3000);
    expect(retryAfterOf(statusError(503, 'busy', { retryAfter: 'Sun, 01 Mar 2026 12:00:10 GMT', now: NOW }))).toBe(10_000);
    expect(retryAfterOf(statusError(500, 'broken', { retryAfter: 'whenever' }))).toBeUndefined();
    // A Retry-After on a refusal changes nothing: the content is refused for good.
    expect(retryAfterOf(statusError(400, 'bad', { retryAfter: '3' }))).toBeUndefined();
  });

  it('splits on 413: too large is permanent for one event, and marked so the sender can halve', () => {
    const error = statusError(413, 'too large');
    expect(error).toBeInstanceOf(RequestTooLargeError);
    expect([isPermanent(error), isRequestTooLarge(error), isRequestTooLarge(new PermanentError('x'))]).toEqual([true, true, false]);
  });

  it('holds on a wrong key, permission or address (401, 403, 404, 405): the configuration, not the events', () => {
    for (const status of [401, 403, 404, 405]) expect(statusError(status, `answered ${status}`)).toBeInstanceOf(ConfigError);
  });

  it('refuses the content for good on any other status, keeping the message and cause', () => {
    const cause = new Error('body');
    for (const status of [400, 409, 410, 422, 431]) {
      const error = statusError(status, `refused with ${status}`, { cause });
      expect(error?.constructor).toBe(PermanentError);
      expect([error?.message, error?.cause]).toEqual([`refused with ${status}`, cause]);
    }
  });
});
