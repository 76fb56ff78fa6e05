import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, PermanentError, RetryableError, retryAfterOf } from '@ferry/sdk';
import { startS3Peer, type S3Fault, type S3Peer } from './testing/index.js';
import { batchOf, exporterOn, failure, send } from './testing/fixtures.js';

let peer: S3Peer;
beforeAll(async () => {
  peer = await startS3Peer({ buckets: ['ferry-archive'] });
});
afterAll(() => peer.close());
afterEach(() => {
  expect(peer.violations).toEqual([]);
  expect(peer.faults).toEqual([]);
});

const exporter = (config: Parameters<typeof exporterOn>[2] = {}) => exporterOn(peer, 'ferry-archive', config);

/** Polls `condition` until it holds, failing after a deadline. */
async function until(condition: () => boolean, deadlineMs = 5000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The exporter's error for one export while `fault` is injected. */
async function exportDuring(fault: S3Fault, prefix: string): Promise<Error> {
  peer.inject(fault);
  return failure(send(exporter({ prefix })));
}

describe('errors from the real SDK, classified for the host', () => {
  it.each([
    [{ status: 500, code: 'InternalError' }, 'S3 answered InternalError (500) for bucket "ferry-archive"'],
    [{ status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' }, 'S3 answered SlowDown (503) for bucket "ferry-archive"'],
    [{ status: 503, code: 'ServiceUnavailable' }, 'S3 answered ServiceUnavailable (503) for bucket "ferry-archive"'],
    [{ status: 400, code: 'RequestTimeout', message: 'Your socket connection to the server was not read from or written to within the timeout period.' }, 'S3 answered RequestTimeout (400) for bucket "ferry-archive"'],
    [{ status: 429, code: 'TooManyRequests' }, 'S3 answered TooManyRequests (429) for bucket "ferry-archive"'],
    [{ status: 403, code: 'RequestTimeTooSkewed' }, 'S3 answered RequestTimeTooSkewed (403) for bucket "ferry-archive"'],
    [{ status: 400, code: 'BadDigest' }, 'S3 answered BadDigest (400) for bucket "ferry-archive"'],
    [{ status: 400, code: 'ExpiredToken', message: 'The provided token has expired.' }, 'S3 answered ExpiredToken (400) for bucket "ferry-archive"'],
  ] as const)('%o is retried', async (fault, message) => {
    const error = await exportDuring(fault, 'retried');
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toBe(message);
    expect(retryAfterOf(error)).toBeUndefined();
  });

  it('honours Retry-After on a SlowDown', async () => {
    const error = await exportDuring({ status: 503, code: 'SlowDown', retryAfterSeconds: 7 }, 'slowdown');
    expect(error).toBeInstanceOf(RetryableError);
    expect(retryAfterOf(error)).toBe(7000);
  });

  it('retries a reset connection, a request that outlives requestTimeoutMs and an aborted attempt', async () => {
    const reset = await exportDuring({ reset: true }, 'network');
    expect(reset).toBeInstanceOf(RetryableError);
    expect(reset.message).toMatch(/^cannot reach S3 for bucket "ferry-archive": /);
    peer.inject({ delayMs: 2000 });
    const slow = await failure(send(exporter({ prefix: 'network', requestTimeoutMs: 200 })));
    expect(slow).toBeInstanceOf(RetryableError);
    expect(slow.message).toContain('requestTimeout');
    // The host aborts an attempt past its timeoutMs: abort once the request is held at the peer.
    const attempt = new AbortController();
    peer.inject({ delayMs: 2000 });
    const seen = peer.requests.total;
    const aborted = failure(send(exporter({ prefix: 'network' }), batchOf(), attempt.signal));
    await until(() => peer.requests.total > seen);
    attempt.abort();
    const abortError = await aborted;
    expect(abortError).toBeInstanceOf(RetryableError);
    expect(abortError.message).toMatch(/^cannot reach S3 for bucket "ferry-archive": /);
    expect(peer.faults).toEqual([]);
  });

  it.each([
    [{ status: 403, code: 'AccessDenied', message: 'Access Denied' }, 's3:PutObject was refused on bucket "ferry-archive": AccessDenied (403); check the credentials and that the IAM policy allows s3:PutObject on arn:aws:s3:::ferry-archive/*'],
    [{ status: 403, code: 'InvalidAccessKeyId' }, 's3:PutObject on bucket "ferry-archive" was refused: InvalidAccessKeyId (403); the credentials found by the AWS SDK\'s default chain are not valid for this endpoint'],
    [{ status: 403, code: 'SignatureDoesNotMatch' }, 's3:PutObject on bucket "ferry-archive" was refused: SignatureDoesNotMatch (403); the credentials found by the AWS SDK\'s default chain are not valid for this endpoint'],
    [{ status: 404, code: 'NoSuchBucket' }, 'bucket "ferry-archive" does not exist'],
    [{ status: 301, code: 'PermanentRedirect', message: 'The bucket you are attempting to access must be addressed using the specified endpoint.' }, 'bucket "ferry-archive" is not in region "us-east-1" (PermanentRedirect (301): The bucket you are attempting to access must be addressed using the specified endpoint.); set region to the bucket\'s'],
  ] as const)('%o is a configuration problem (the host holds the events, never dead-letters them) and says what to fix', async (fault, message) => {
    const error = await exportDuring(fault, 'permanent');
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(message);
  });

  it('an object refused for its content is permanent and says why', async () => {
    const error = await exportDuring({ status: 400, code: 'InvalidRequest', message: 'Bucket is missing Object Lock Configuration' }, 'permanent');
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toBe('S3 refused the object for bucket "ferry-archive": InvalidRequest (400): Bucket is missing Object Lock Configuration');
  });

  it('a real missing bucket and a real wrong secret are configuration problems, and the secret is never in the error', async () => {
    const missing = await failure(send(exporterOn(peer, 'no-such-bucket')));
    expect([missing instanceof ConfigError, missing.message]).toEqual([true, 'bucket "no-such-bucket" does not exist']);
    const saved = process.env.AWS_SECRET_ACCESS_KEY;
    process.env.AWS_SECRET_ACCESS_KEY = 'wrong-secret-do-not-print';
    try {
      const refused = await failure(send(exporter({ prefix: 'permanent' })));
      expect(refused).toBeInstanceOf(ConfigError);
      expect(refused.message).toContain('SignatureDoesNotMatch (403)');
      expect(`${refused.message}${refused.stack}`).not.toContain('wrong-secret-do-not-print');
    } finally {
      process.env.AWS_SECRET_ACCESS_KEY = saved;
    }
  });

  it('leaves nothing half-written: after the faults, one export writes the object once', async () => {
    for (const fault of [{ status: 500, code: 'InternalError' }, { reset: true }, { status: 503, code: 'SlowDown' }] as const) {
      expect(await exportDuring(fault, 'recovered')).toBeInstanceOf(RetryableError);
    }
    expect(await peer.objects('ferry-archive', 'recovered/')).toEqual([]);
    peer.inject({ status: 503, code: 'SlowDown' }, 2);
    const e = exporter({ prefix: 'recovered' });
    for (let attempt = 1; attempt <= 2; attempt++) expect(await failure(send(e))).toBeInstanceOf(RetryableError);
    const batch = await send(e);
    const objects = await peer.objects('ferry-archive', 'recovered/');
    expect(objects.map((o) => o.metadata['ferry-batch-id'])).toEqual([batch.id]);
    expect(peer.received.filter((r) => r.key.startsWith('recovered/'))).toHaveLength(1);
  });
});
