import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, RetryableError } from '@ferry/sdk';
import { startS3Peer, type S3Peer } from './testing/index.js';
import { exporterOn, failure } from './testing/fixtures.js';

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
const markerPuts = (prefix: string) => peer.received.filter((r) => r.key === `${prefix}/_ferry/write-check.json`);

/** Runs `body` with the default credential chain's environment changed, then restores it. */
async function withEnv(env: Record<string, string>, body: () => Promise<void>): Promise<void> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    await body();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('the start check', () => {
  it('writes a marker under the prefix once; later starts pass on the 412 and add no version', async () => {
    await exporter({ prefix: 'once' }).start();
    const [marker] = await peer.objects('ferry-archive', 'once/');
    expect(marker?.key).toBe('once/_ferry/write-check.json');
    expect(JSON.parse(marker!.body.toString())).toMatchObject({ writer: 'ferry' });
    const requestsBefore = peer.requests.total;
    await exporter({ prefix: 'once' }).start();
    await exporter({ prefix: 'once' }).start();
    expect(peer.requests.total - requestsBefore).toBe(2);
    expect(markerPuts('once')).toHaveLength(1);
    expect(markerPuts('once')[0]?.headers['if-none-match']).toBe('*');
  });

  it('writes the marker with the archive\'s encryption and a one-day lock, so those permissions are checked too', async () => {
    const before = Date.now();
    await exporter({ prefix: 'locked', serverSideEncryption: 'aws:kms', kmsKeyId: 'alias/audit', objectLock: { mode: 'COMPLIANCE', retentionDays: 2555 } }).start();
    const [put] = markerPuts('locked');
    expect(put?.headers).toMatchObject({ 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-object-lock-mode': 'COMPLIANCE' });
    const until = Date.parse(String(put?.headers['x-amz-object-lock-retain-until-date']));
    expect(until - before).toBeLessThanOrEqual(86_400_000 + 60_000);
    expect(until - before).toBeGreaterThan(86_400_000 - 60_000);
  });

  it('falls back to a plain write on a store without conditional writes', async () => {
    peer.inject({ status: 501, code: 'NotImplemented', message: 'A header you provided implies functionality that is not implemented' });
    await exporter({ prefix: 'noconditional' }).start();
    const puts = markerPuts('noconditional');
    expect(puts).toHaveLength(1);
    expect(puts[0]?.headers['if-none-match']).toBeUndefined();
  });

  it('names a missing bucket as a configuration error', async () => {
    const error = await failure(exporterOn(peer, 'no-such-bucket').start());
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe('bucket "no-such-bucket" does not exist');
  });

  it('names the bucket and s3:PutObject when the permission is refused', async () => {
    peer.inject({ status: 403, code: 'AccessDenied', message: 'Access Denied' });
    const error = await failure(exporter({ prefix: 'denied' }).start());
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe('s3:PutObject was refused on bucket "ferry-archive": AccessDenied (403); check the credentials and that the IAM policy allows s3:PutObject on arn:aws:s3:::ferry-archive/*');
  });

  it('names kms:GenerateDataKey when KMS refuses the key', async () => {
    peer.inject({ status: 403, code: 'AccessDenied', message: 'User: arn:aws:iam::123456789012:role/ferry is not authorized to perform: kms:GenerateDataKey on resource: arn:aws:kms:us-east-1:123456789012:key/abc' });
    const error = await failure(exporter({ prefix: 'kms', serverSideEncryption: 'aws:kms' }).start());
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('refused by KMS');
    expect(error.message).toContain('kms:GenerateDataKey');
  });

  it('refuses an unknown access key id and a wrong secret, without printing either', async () => {
    await withEnv({ AWS_ACCESS_KEY_ID: 'AKIAWRONGKEY0000', AWS_SECRET_ACCESS_KEY: 'S3RVER' }, async () => {
      const error = await failure(exporter({ prefix: 'badkey' }).start());
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toBe('s3:PutObject on bucket "ferry-archive" was refused: InvalidAccessKeyId (403); the credentials found by the AWS SDK\'s default chain are not valid for this endpoint');
      expect(JSON.stringify({ message: error.message, stack: error.stack, cause: error.cause })).not.toContain('AKIAWRONGKEY0000');
    });
    await withEnv({ AWS_SECRET_ACCESS_KEY: 'wrong-secret-do-not-print' }, async () => {
      const error = await failure(exporter({ prefix: 'badsecret' }).start());
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(/^s3:PutObject on bucket "ferry-archive" was refused: SignatureDoesNotMatch \(403\)/);
      expect(JSON.stringify({ message: error.message, stack: error.stack, cause: error.cause })).not.toContain('wrong-secret-do-not-print');
    });
    expect(await peer.objects('ferry-archive', 'badkey/')).toEqual([]);
    expect(await peer.objects('ferry-archive', 'badsecret/')).toEqual([]);
  });

  it('only warns when the default chain finds no credentials (they may appear: a role, a mounted token)', async () => {
    const none = { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials', AWS_CONFIG_FILE: '/nonexistent/config', AWS_EC2_METADATA_DISABLED: 'true', AWS_PROFILE: '' };
    await withEnv(none, async () => {
      for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE']) delete process.env[name];
      const error = await failure(exporter({ prefix: 'nocredentials' }).start());
      expect(error).toBeInstanceOf(RetryableError);
      expect(error.message).toMatch(/^no AWS credentials for bucket "ferry-archive": /);
    });
  });

  it('only warns (a retryable error) when S3 is unreachable or unavailable', async () => {
    const unreachable = await failure(exporterOn(peer, 'ferry-archive', { endpoint: 'http://127.0.0.1:9', connectTimeoutMs: 2000 }).start());
    expect(unreachable).toBeInstanceOf(RetryableError);
    expect(unreachable.message).toMatch(/^cannot reach S3 for bucket "ferry-archive": /);
    peer.inject({ status: 503, code: 'ServiceUnavailable' });
    expect(await failure(exporter({ prefix: 'unavailable' }).start())).toBeInstanceOf(RetryableError);
  });
});
