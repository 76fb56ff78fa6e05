/**
 * A checking webhook consumer for tests and benchmarks: real HTTP on 127.0.0.1 that checks
 * what a SIEM's webhook endpoint checks, and what the `http` exporter promises.
 *
 *   const peer = await startHttpPeer({ secret: 's', auth: 'Bearer t' });
 *   exporter config: { url: peer.url, secret: 's', auth: { type: 'bearer', token: 't' } }
 *
 * A POST must carry `Content-Type` `application/json` (a JSON array of Ferry events) or
 * `application/x-ndjson` (one per line); the idempotency header equal to the batch id (the
 * hex SHA-256 of the events' NDJSON, which the peer recomputes); with `secret`, a fresh
 * timestamp and a v2 signature over `<timestamp>.<body>` that the peer recomputes with
 * node:crypto (401 otherwise); with `auth`, exactly that `Authorization` (401 otherwise).
 * It answers 200 and keeps each event's text exactly as it arrived in `received`. A body
 * the exporter should never send is recorded in `violations` (tests assert it stays empty).
 *
 * - `inject(fault, times)`: `{ status, retryAfter?, body? }`, `{ reset: true }`, `{ hang: true }`.
 * - `tooLarge = { events?, bytes? }`: 413 above these sizes, as a proxy with a body limit would.
 * - `requests`: one record per POST; `refused`: why requests were refused (401s).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { arrayItemTexts, checkEvent } from '@ferry/sdk';
import { closeHttpPeer, listenHttpPeer, readRequestBody } from '@ferry/sdk/testkit';

export type HttpPeerFault = { readonly status: number; readonly retryAfter?: string; readonly body?: string } | { readonly reset: true } | { readonly hang: true };

export interface HttpPeerOptions {
  /** The signing secret; without it, requests must carry no signature. */
  readonly secret?: string;
  readonly timestampHeader?: string;
  readonly signatureHeader?: string;
  readonly idempotencyHeader?: string;
  /** The exact `Authorization` value required. */
  readonly authorization?: string;
  /** Headers every request must carry with these values. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly path?: string;
}

export interface HttpPeerRequest {
  readonly format: 'json' | 'ndjson' | 'unknown';
  readonly events: number;
  readonly bytes: number;
  readonly status: number;
  readonly idempotencyKey: string | undefined;
}

export interface HttpPeer {
  readonly url: string;
  /** Each accepted event's text, exactly as it was in the body, in arrival order. */
  readonly received: string[];
  readonly requests: HttpPeerRequest[];
  readonly violations: string[];
  readonly refused: string[];
  readonly faults: HttpPeerFault[];
  tooLarge: { readonly events?: number; readonly bytes?: number } | undefined;
  inject(fault: HttpPeerFault, times?: number): void;
  /** Ids of the events received, decoded. */
  ids(): string[];
  clear(): void;
  close(): Promise<void>;
}

const TOLERANCE_SECONDS = 300;

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** The events' texts from a body, or why it is not what the exporter sends. */
function itemsOf(format: 'json' | 'ndjson', text: string): { items?: string[]; problem?: string } {
  if (format === 'ndjson') {
    if (!text.endsWith('\n')) return { problem: 'an NDJSON body whose last line has no newline' };
    const lines = text.slice(0, -1).split('\n');
    for (const [at, line] of lines.entries()) {
      try {
        const problem = checkEvent(JSON.parse(line));
        if (problem !== undefined) return { problem: `line ${at + 1} is not a Ferry event: ${problem}` };
      } catch {
        return { problem: `line ${at + 1} is not JSON` };
      }
    }
    return { items: lines };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'the body is not JSON' };
  }
  if (!Array.isArray(value) || value.length === 0) return { problem: 'the body is not a non-empty JSON array' };
  for (const [at, item] of value.entries()) {
    const problem = checkEvent(item);
    if (problem !== undefined) return { problem: `item ${at} is not a Ferry event: ${problem}` };
  }
  return { items: arrayItemTexts(text) as string[] };
}

export async function startHttpPeer(options: HttpPeerOptions = {}): Promise<HttpPeer> {
  const path = options.path ?? '/ingest';
  const timestampHeader = options.timestampHeader ?? 'X-Ferry-Timestamp';
  const signatureHeader = options.signatureHeader ?? 'X-Ferry-Signature-V2';
  const idempotencyHeader = options.idempotencyHeader ?? 'Idempotency-Key';
  const received: string[] = [];
  const requests: HttpPeerRequest[] = [];
  const violations: string[] = [];
  const refused: string[] = [];
  const faults: HttpPeerFault[] = [];
  const hanging = new Set<ServerResponse>();

  const answer = (response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);

  /** Who sent it and that it is recent; a reason when not. */
  const authenticate = (request: IncomingMessage, raw: Buffer): string | undefined => {
    if (options.authorization !== undefined && header(request, 'authorization') !== options.authorization) return 'wrong or missing Authorization';
    for (const [name, value] of Object.entries(options.headers ?? {})) if (header(request, name) !== value) return `wrong or missing ${name}`;
    const given = header(request, signatureHeader);
    if (options.secret === undefined) {
      if (given !== undefined) violations.push(`a signature without a secret configured on the peer`);
      return undefined;
    }
    const timestamp = header(request, timestampHeader) ?? '';
    if (!/^\d+$/.test(timestamp)) return `missing or invalid ${timestampHeader}`;
    if (Math.abs(Date.now() / 1000 - Number(timestamp)) > TOLERANCE_SECONDS) return `${timestampHeader} is stale`;
    const expected = createHmac('sha256', options.secret).update(`${timestamp}.`).update(raw).digest();
    const match = /^sha256=([0-9a-f]{64})$/.exec(given ?? '');
    if (match === null || !timingSafeEqual(Buffer.from(match[1] as string, 'hex'), expected)) return `${signatureHeader} does not match`;
    return undefined;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const fault = faults[0];
    if (fault !== undefined && 'reset' in fault) {
      faults.shift();
      request.socket.destroy();
      return;
    }
    const raw = await readRequestBody(request);
    if (raw === undefined) return;
    const contentType = header(request, 'content-type') ?? '';
    const format = contentType.startsWith('application/json') ? 'json' : contentType.startsWith('application/x-ndjson') ? 'ndjson' : 'unknown';
    const idempotencyKey = header(request, idempotencyHeader);
    const record = (status: number, events: number) => requests.push({ format, events, bytes: raw.length, status, idempotencyKey });
    const why = authenticate(request, raw);
    if (why !== undefined) {
      refused.push(why);
      record(401, 0);
      return answer(response, 401, JSON.stringify({ error: why }));
    }
    if (format === 'unknown') {
      violations.push(`Content-Type ${contentType}`);
      record(415, 0);
      return answer(response, 415, '{"error":"unsupported media type"}');
    }
    const { items, problem } = itemsOf(format, raw.toString('utf8'));
    if (items === undefined) {
      violations.push(problem ?? 'unreadable body');
      record(400, 0);
      return answer(response, 400, JSON.stringify({ error: problem }));
    }
    const batchId = createHash('sha256').update(items.map((item) => `${item}\n`).join('')).digest('hex');
    if (idempotencyKey !== batchId) violations.push(`${idempotencyHeader} ${String(idempotencyKey)} is not the batch id ${batchId}`);
    const limit = peer.tooLarge;
    if (limit && ((limit.events !== undefined && items.length > limit.events) || (limit.bytes !== undefined && raw.length > limit.bytes))) {
      record(413, items.length);
      return answer(response, 413, '{"error":"payload too large"}');
    }
    if (fault !== undefined) {
      faults.shift();
      if ('hang' in fault) {
        hanging.add(response);
        response.on('close', () => hanging.delete(response));
        record(0, items.length);
        return;
      }
      if ('status' in fault && (fault.status < 200 || fault.status >= 300)) {
        record(fault.status, items.length);
        return answer(response, fault.status, fault.body ?? `{"error":"injected ${fault.status}"}`, fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter });
      }
    }
    received.push(...items);
    record(200, items.length);
    answer(response, 200, `{"accepted":${items.length}}`);
  };

  const server = createServer((request, response) => {
    if (request.method !== 'POST' || (request.url ?? '').split('?')[0] !== path) {
      violations.push(`${String(request.method)} ${String(request.url)}`);
      request.resume();
      return answer(response, 404, '{"error":"not found"}');
    }
    void handle(request, response);
  });
  const url = `${await listenHttpPeer(server)}${path}`;

  const peer: HttpPeer = {
    url,
    received,
    requests,
    violations,
    refused,
    faults,
    tooLarge: undefined,
    inject(fault, times = 1) {
      for (let i = 0; i < times; i++) faults.push(fault);
    },
    ids: () => received.map((text) => (JSON.parse(text) as { id: string }).id),
    clear() {
      for (const list of [received, requests, violations, refused, faults]) list.length = 0;
      peer.tooLarge = undefined;
    },
    close: () => closeHttpPeer(server, hanging),
  };
  return peer;
}
