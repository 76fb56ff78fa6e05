import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, isPermanent, PermanentError, RetryableError, retryAfterOf } from '../errors.js';
import type { ExportResult } from '../exporter.js';
import { sendInRequests } from './send-in-requests.js';
import { statusError } from './status.js';
import { unreachable } from './network.js';

/**
 * A destination with an intake's habits: it takes NDJSON bodies of at most `maxBytes` (413
 * above), refuses a request holding a "poison" line (400), answers the scripted statuses
 * first, one per request (with Retry-After; `normal` lets one through), and keeps every
 * line it took.
 */
class Intake {
  readonly taken: string[] = [];
  readonly requests: number[] = [];
  maxBytes = 1000;
  script: Array<{ status: number; retryAfter?: string } | 'normal'> = [];
  readonly #server: Server;
  url = '';

  constructor() {
    this.#server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks);
        const lines = body.toString().split('\n').filter(Boolean);
        this.requests.push(lines.length);
        const scripted = this.script.shift();
        if (scripted !== undefined && scripted !== 'normal') return response.writeHead(scripted.status, scripted.retryAfter ? { 'retry-after': scripted.retryAfter } : {}).end();
        if (body.length > this.maxBytes) return response.writeHead(413).end();
        if (lines.some((line) => line.includes('poison'))) return response.writeHead(400).end('poison');
        this.taken.push(...lines);
        response.writeHead(202).end();
      });
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((listening) => this.#server.listen(0, '127.0.0.1', listening));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/`;
  }

  close(): Promise<void> {
    return new Promise((closed) => this.#server.close(() => closed()));
  }
}

interface Item {
  readonly index: number;
  readonly line: string;
}

const intake = new Intake();
beforeAll(() => intake.listen());
afterAll(() => intake.close());

const items = (lines: readonly string[]): Item[] => lines.map((line, index) => ({ index, line }));
const chunked = (all: readonly Item[], size: number): Item[][] => Array.from({ length: Math.ceil(all.length / size) }, (_, i) => all.slice(i * size, i * size + size));

/** What an HTTP exporter's export does: POST each request, classify the answer. */
function exportTo(all: readonly Item[], requestSize: number, splits: number[] = []): Promise<ExportResult | void> {
  return sendInRequests({
    count: all.length,
    requests: chunked(all, requestSize),
    onSplit: (n) => splits.push(n),
    tooLarge: (item, refusal) => new PermanentError(`line ${item.index} alone is too large: ${refusal.message}`),
    async send(request) {
      let response: Response;
      try {
        response = await fetch(intake.url, { method: 'POST', body: request.map((item) => `${item.line}\n`).join('') });
      } catch (error) {
        throw unreachable('the intake', error);
      }
      await response.arrayBuffer();
      const error = statusError(response.status, `the intake answered ${response.status}`, { retryAfter: response.headers.get('retry-after') });
      if (error !== undefined) throw error;
    },
  });
}

function reset(maxBytes = 1000): void {
  intake.taken.length = 0;
  intake.requests.length = 0;
  intake.maxBytes = maxBytes;
  intake.script = [];
}

const indexesOf = (result: ExportResult | void) => (result?.rejected ?? []).map((r) => r.index);

async function thrownBy(work: Promise<unknown>): Promise<Error> {
  try {
    await work;
  } catch (error) {
    return error as Error;
  }
  throw new Error('nothing was thrown');
}

describe('sending a batch in requests', () => {
  it('sends every request, in order, and reports nothing when all were taken', async () => {
    reset();
    expect(await exportTo(items(['a', 'b', 'c', 'd', 'e']), 2)).toBeUndefined();
    expect([intake.requests, intake.taken]).toEqual([[2, 2, 1], ['a', 'b', 'c', 'd', 'e']]);
  });

  it('halves a request refused with 413 until each part fits, losing and doubling nothing', async () => {
    reset(3 * 'line-0\n'.length);
    const splits: number[] = [];
    const lines = Array.from({ length: 10 }, (_, i) => `line-${i}`);
    expect(await exportTo(items(lines), 10, splits)).toBeUndefined();
    expect(intake.taken).toEqual(lines);
    expect(splits).toEqual([10, 5, 5]);
    expect(intake.requests).toEqual([10, 5, 3, 2, 5, 3, 2]);
  });

  it('rejects for good only an event too large even alone, and delivers the others', async () => {
    reset(50);
    const result = await exportTo(items(['a', 'b', 'x'.repeat(100), 'c']), 4);
    expect(intake.taken).toEqual(['a', 'b', 'c']);
    expect(result?.rejected?.map((r) => [r.index, isPermanent(r.error), r.error.message])).toEqual([[2, true, 'line 2 alone is too large: the intake answered 413']]);
  });

  it('rejects the events of a request refused for its content (400), and still sends the next request', async () => {
    reset();
    const result = await exportTo(items(['a', 'poison', 'c', 'd']), 2);
    expect(intake.taken).toEqual(['c', 'd']);
    expect(indexesOf(result)).toEqual([0, 1]);
    expect(result?.rejected?.every((r) => r.error instanceof PermanentError && r.error.message === 'the intake answered 400')).toBe(true);
  });

  it('stops at a retryable answer: that request and every unsent one wait for the retry, with its Retry-After', async () => {
    reset();
    intake.script = ['normal', { status: 503, retryAfter: '7' }];
    const result = await exportTo(items(['a', 'b', 'c', 'd', 'e', 'f']), 2);
    expect(intake.requests).toEqual([2, 2]);
    expect(intake.taken).toEqual(['a', 'b']);
    expect(indexesOf(result)).toEqual([2, 3, 4, 5]);
    const [first] = result?.rejected ?? [];
    expect(first?.error).toBeInstanceOf(RetryableError);
    expect([(first?.error as RetryableError).pushBack, retryAfterOf(first?.error)]).toEqual([true, 7000]);
    expect(result?.rejected?.every((r) => r.error === first?.error)).toBe(true);
  });

  it('throws the one error when the whole batch failed for it, so the host sees the batch as one', async () => {
    reset();
    intake.script = [{ status: 429, retryAfter: '2' }];
    const error = await thrownBy(exportTo(items(['a', 'b', 'c', 'd']), 2));
    expect([error instanceof RetryableError, retryAfterOf(error), intake.requests]).toEqual([true, 2000, [2]]);
  });

  it('stops at a refused key too (a ConfigError): the rest is not sent against it', async () => {
    reset();
    intake.script = ['normal', { status: 401 }];
    const result = await exportTo(items(['a', 'b', 'c', 'd', 'e']), 2);
    expect([intake.requests, indexesOf(result)]).toEqual([[2, 2], [2, 3, 4]]);
    expect(result?.rejected?.every((r) => r.error instanceof ConfigError)).toBe(true);
  });

  it('stops halving when a half meets a retryable answer: the other half is not sent', async () => {
    reset();
    intake.script = [{ status: 413 }, { status: 500 }];
    const error = await thrownBy(exportTo(items(['a', 'b', 'c', 'd']), 4));
    expect([error instanceof RetryableError, (error as RetryableError).pushBack, intake.requests]).toEqual([true, false, [4, 2]]);
  });

  it('keeps events refused before sending in the outcome, in batch order', async () => {
    reset();
    const early = new PermanentError('not encodable');
    const result = await sendInRequests({ count: 3, rejected: [{ index: 1, error: early }], requests: [[{ index: 2 }, { index: 0 }]], send: async () => [{ index: 2, error: new RetryableError('row stopped') }] });
    expect(result?.rejected?.map((r) => [r.index, r.error.message])).toEqual([[1, 'not encodable'], [2, 'row stopped']]);
  });

  it('a request that got no answer is retryable, naming what failed', async () => {
    const closed = createServer();
    await new Promise<void>((listening) => closed.listen(0, '127.0.0.1', listening));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
    await new Promise<void>((done) => closed.close(() => done()));
    const error = await thrownBy(fetch(url).catch((failure: unknown) => Promise.reject(unreachable('the intake', failure))));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toMatch(/^cannot reach the intake: fetch failed: connect ECONNREFUSED 127\.0\.0\.1:\d+/);
  });
});
