/** Events and exporters for the s3 exporter's own tests. */
import { createBatch, type Batch, type FerryEvent } from '@ferry/sdk';
import { createTestContext, resolveConfig } from '@ferry/sdk/testkit';
import s3 from '../index.js';
import type { S3Exporter } from '../exporter.js';
import type { S3Config } from '../config.js';
import type { S3Peer } from './peer.js';

export const events = (n: number, from = 0): FerryEvent[] =>
  Array.from({ length: n }, (_, i) => ({ id: `evt_${from + i}`, type: i % 2 ? 'token.issued' : 'grant.created', createdAt: '2026-03-01T12:00:00Z', data: { n: from + i, city: 'Zürich' } }));

export const batchOf = (n = 3, firstSeq = 42, from = 0): Batch => createBatch({ events: events(n, from), receivedAt: Date.parse('2026-03-01T12:00:01.234Z'), firstSeq });

/** An exporter on the peer's bucket `bucket` (path-style, the peer's endpoint), defaults applied. */
export function exporterOn(peer: S3Peer, bucket: string, config: Partial<S3Config> = {}): S3Exporter {
  return s3.create(createTestContext(resolveConfig(s3.configSchema, { bucket, endpoint: peer.endpoint, forcePathStyle: true, ...config }))) as S3Exporter;
}

/** Exports `batch` in one attempt; resolves to the batch, rejects with the exporter's error. */
export async function send(exporter: S3Exporter, batch: Batch = batchOf(), signal = new AbortController().signal): Promise<Batch> {
  await exporter.export(batch, { signal, attempt: 1 });
  return batch;
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure, but it succeeded');
}
