import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, createBatch, isPermanent, RetryableError, retryAfterOf, type FerryEvent } from '@ferry/sdk';
import { configProblems, conformanceCases, createTestContext, resolveComponentConfig } from '@ferry/sdk/testkit';
import exporter from './index.js';

/** A destination on 127.0.0.1: keeps what it takes, answers the statuses a test plans first. */
const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
const planned: Array<{ status: number; headers?: Record<string, string> }> = [];
const destination = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const answer = planned.shift();
    if (answer !== undefined) return void response.writeHead(answer.status, answer.headers).end();
    received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
    response.writeHead(202).end();
  });
});
let url = '';
beforeAll(async () => {
  await new Promise<void>((listening) => destination.listen(0, '127.0.0.1', listening));
  url = `http://127.0.0.1:${(destination.address() as AddressInfo).port}/ingest`;
});
afterAll(() => new Promise<void>((closed) => destination.close(() => closed())));

const events: FerryEvent[] = [
  { id: 'evt_1', type: 'grant.created', createdAt: '2026-03-01T12:00:00Z', data: { grantId: 'grnt_1' } },
  { id: 'evt_2', type: 'token.issued', createdAt: '2026-03-01T12:00:01Z', data: { tokenId: 'tok_1' } },
];

/** One export of `events`, through the exporter as the host builds it. */
function exportOnce(options: Record<string, unknown> = {}): Promise<unknown> {
  const instance = exporter.create(createTestContext(resolveComponentConfig(exporter, { url, ...options })));
  return instance.export(createBatch(events), { signal: new AbortController().signal, attempt: 1 });
}
const failureOf = (work: Promise<unknown>) => work.then(() => undefined, (error: unknown) => error as Error);

describe('the exporter', () => {
  describe('keeps the contract every Ferry component keeps', () => {
    for (const c of conformanceCases(exporter, {
      get config() {
        return { url, token: 'test-token' }; // read when a case runs, once the destination listens
      },
      invalidConfigs: [
        { config: {}, because: 'url is required' },
        { config: { url: 'ftp://files.example/' }, because: 'only http and https are sent to' },
        { config: { url: 'https://user:pass@ingest.example/' }, because: 'a credential belongs in token' },
      ],
      exportEvents: events,
    })) {
      it(c.name, c.run);
    }
  });

  it('POSTs the batch as the NDJSON Ferry stored, with the token and the batch id', async () => {
    received.length = 0;
    await exportOnce({ token: 'test-token' });
    const batch = createBatch(events);
    expect(received.map((r) => [r.body, r.headers.authorization, r.headers['idempotency-key']])).toEqual([[batch.ndjson().toString(), 'Bearer test-token', batch.id]]);
  });

  it('leaves 429 and 5xx to the host to retry, honouring Retry-After', async () => {
    planned.push({ status: 429, headers: { 'retry-after': '3' } }, { status: 503 });
    const throttled = await failureOf(exportOnce());
    expect([throttled instanceof RetryableError, retryAfterOf(throttled)]).toEqual([true, 3000]);
    expect(await failureOf(exportOnce())).toBeInstanceOf(RetryableError);
  });

  it('holds the events on 401 (fix the token), and dead-letters what the destination refuses for good', async () => {
    planned.push({ status: 401 }, { status: 400 });
    expect(await failureOf(exportOnce())).toBeInstanceOf(ConfigError);
    const refused = await failureOf(exportOnce());
    expect([isPermanent(refused), refused?.message]).toEqual([true, `${new URL(url).host} answered 400`]);
  });

  it('refuses a URL holding a password before anything runs, naming the option', () => {
    expect(configProblems(exporter, { url: 'https://user:pass@ingest.example/' })).toEqual(['url: holds a user name or password — put the credential in token, which is kept secret']);
  });
});
