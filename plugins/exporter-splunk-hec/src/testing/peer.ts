/**
 * A local Splunk HTTP Event Collector for tests, benchmarks and the end-to-end suite: real
 * HTTP on 127.0.0.1 that speaks HEC and checks what Ferry's mapping promises.
 *
 *   const peer = await startHecPeer({ token: 't', ack: true });
 *   exporter config: { hecUrl: peer.url, hecToken: 't', useAck: true }
 *
 * `POST /services/collector/event` needs `Authorization: Splunk <token>` (missing: 401
 * code 2; another token: 403 code 4; `disabled`: 403 code 1, as HEC answers), a body that
 * is gzip exactly when `Content-Encoding: gzip` says so, and HEC envelopes one after the
 * other, each with `time` = its event's createdAt in epoch seconds, the expected `index`,
 * `source` and `sourcetype`, and `event` a Ferry event. It answers `{"text":"Success","code":0}`
 * and keeps each event's text exactly as it arrived in `received`. With `ack`, requests
 * need `X-Splunk-Request-Channel` (400 code 10 without), answers carry an `ackId` per
 * channel, and `POST /services/collector/ack?channel=` reports an id indexed after
 * `ackAfterPolls` queries (once: then it is forgotten, as HEC does); `loseAcks(n)` makes the
 * next n ids never indexed. Without `ack`, an ack query gets 400 code 14.
 *
 * - `inject(fault, times)`: `{ status, code?, text?, retryAfter?, invalidEvent? }`, `{ reset: true }`, `{ hang: true }`.
 * - `tooLarge = { events?, bytes? }`: 413 above these sizes, as `max_content_length` would.
 * - `indexed`: texts of the events whose ack was reported; `violations`: what Ferry must never send.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { checkEvent, memberTexts } from '@ferry/sdk';
import { closeHttpPeer, listenHttpPeer, readRequestBody } from '@ferry/sdk/testkit';

export type HecFault =
  | { readonly status: number; readonly code?: number; readonly text?: string; readonly retryAfter?: string; readonly invalidEvent?: number }
  | { readonly reset: true }
  | { readonly hang: true };

export interface HecPeerOptions {
  readonly token: string;
  /** Indexer acknowledgement on the token. */
  readonly ack?: boolean;
  /** The token is disabled: every request gets 403 code 1. */
  readonly disabled?: boolean;
  /** Ack queries before an id is reported indexed (default 1). */
  readonly ackAfterPolls?: number;
  readonly expect?: { readonly index?: string; readonly source?: string; readonly sourcetype?: string; readonly host?: string };
}

/** One event as HEC received it. */
export interface HecEvent {
  readonly time: number | undefined;
  readonly index: unknown;
  readonly source: unknown;
  readonly sourcetype: unknown;
  readonly host: unknown;
  /** The `event` member's text, exactly as it was in the body. */
  readonly text: string;
}

export interface HecRequest {
  readonly events: number;
  readonly gzip: boolean;
  readonly status: number;
  readonly channel: string | undefined;
}

export interface HecPeer {
  /** The HEC base URL (`http://127.0.0.1:<port>`): the exporter's `hecUrl`. */
  readonly url: string;
  readonly received: HecEvent[];
  readonly indexed: string[];
  readonly requests: HecRequest[];
  readonly ackQueries: Array<{ readonly channel: string | undefined; readonly ids: number[] }>;
  readonly violations: string[];
  readonly faults: HecFault[];
  tooLarge: { readonly events?: number; readonly bytes?: number } | undefined;
  inject(fault: HecFault, times?: number): void;
  loseAcks(count: number): void;
  ids(): string[];
  clear(): void;
  close(): Promise<void>;
}

const hec = (response: ServerResponse, status: number, text: string, code: number, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ text, code, ...extra }));

/** The texts of JSON objects written one after the other (HEC's batch form). */
function splitObjects(text: string): string[] | undefined {
  const out: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0) out.push(text.slice(start, i + 1));
      if (depth < 0) return undefined;
    } else if (depth === 0 && !/\s/.test(c as string)) return undefined;
  }
  return depth === 0 ? out : undefined;
}

const ENVELOPE_KEYS = new Set(['time', 'host', 'source', 'sourcetype', 'index', 'event']);

export async function startHecPeer(options: HecPeerOptions): Promise<HecPeer> {
  const received: HecEvent[] = [];
  const indexed: string[] = [];
  const requests: HecRequest[] = [];
  const ackQueries: HecPeer['ackQueries'] = [];
  const violations: string[] = [];
  const faults: HecFault[] = [];
  const hanging = new Set<ServerResponse>();
  /** Per channel: ack id → the texts it covers and how often it was asked for. */
  const channels = new Map<string, { next: number; pending: Map<number, { texts: string[]; polls: number; lost: boolean }> }>();
  let toLose = 0;

  const authorized = (request: IncomingMessage, response: ServerResponse): boolean => {
    const auth = request.headers.authorization;
    if (auth === undefined) {
      violations.push('a request without Authorization');
      hec(response, 401, 'Token is required', 2);
      return false;
    }
    if (options.disabled) {
      hec(response, 403, 'Token disabled', 1);
      return false;
    }
    if (auth !== `Splunk ${options.token}`) {
      hec(response, 403, 'Invalid token', 4);
      return false;
    }
    return true;
  };

  /** The envelopes of a body, checked; undefined (and a violation) when it is not what Ferry sends. */
  const envelopes = (text: string): HecEvent[] | undefined => {
    const objects = splitObjects(text);
    if (objects === undefined || objects.length === 0) {
      violations.push('a body that is not HEC envelopes one after the other');
      return undefined;
    }
    const events: HecEvent[] = [];
    for (const object of objects) {
      const value = JSON.parse(object) as Record<string, unknown>;
      for (const key of Object.keys(value)) if (!ENVELOPE_KEYS.has(key)) violations.push(`an envelope with an unexpected field "${key}"`);
      const eventText = memberTexts(object, ['event']).event;
      const problem = checkEvent(value.event);
      if (eventText === undefined || problem !== undefined) {
        violations.push(`an envelope whose event is not a Ferry event: ${problem ?? 'missing'}`);
        return undefined;
      }
      const event = value.event as { createdAt: string };
      const expected = Date.parse(event.createdAt) / 1000;
      if (typeof value.time !== 'number' || Math.abs(value.time - expected) > 0.0005) violations.push(`time ${String(value.time)} is not createdAt ${event.createdAt}`);
      for (const field of ['index', 'source', 'sourcetype', 'host'] as const) {
        const want = options.expect?.[field];
        if (want !== undefined && value[field] !== want) violations.push(`${field} ${String(value[field])}, expected ${want}`);
      }
      events.push({ time: value.time as number | undefined, index: value.index, source: value.source, sourcetype: value.sourcetype, host: value.host, text: eventText });
    }
    return events;
  };

  const collect = async (request: IncomingMessage, response: ServerResponse) => {
    const fault = faults[0];
    if (fault !== undefined && 'reset' in fault) {
      faults.shift();
      request.socket.destroy();
      return;
    }
    const raw = await readRequestBody(request);
    if (raw === undefined || !authorized(request, response)) return;
    const channel = request.headers['x-splunk-request-channel'] as string | undefined;
    const gzip = request.headers['content-encoding'] === 'gzip';
    let text: string;
    try {
      text = (gzip ? gunzipSync(raw) : raw).toString('utf8');
    } catch {
      violations.push('Content-Encoding: gzip on a body that is not gzip');
      return hec(response, 400, 'Invalid data format', 6);
    }
    const record = (status: number, events: number) => requests.push({ events, gzip, status, channel });
    if (options.ack && channel === undefined) {
      violations.push('a request without X-Splunk-Request-Channel to a token with acknowledgement on');
      record(400, 0);
      return hec(response, 400, 'Data channel is missing', 10);
    }
    const events = envelopes(text);
    if (events === undefined) {
      record(400, 0);
      return hec(response, 400, 'Invalid data format', 6);
    }
    const limit = peer.tooLarge;
    if (limit && ((limit.events !== undefined && events.length > limit.events) || (limit.bytes !== undefined && Buffer.byteLength(text) > limit.bytes))) {
      record(413, events.length);
      return hec(response, 413, 'Content too large', 27);
    }
    if (fault !== undefined) {
      faults.shift();
      if ('hang' in fault) {
        hanging.add(response);
        response.on('close', () => hanging.delete(response));
        record(0, events.length);
        return;
      }
      if (fault.invalidEvent !== undefined) {
        // HEC indexes what came before the unreadable event; Ferry must not count on it.
        received.push(...events.slice(0, fault.invalidEvent));
      }
      record(fault.status, events.length);
      return hec(response, fault.status, fault.text ?? 'injected', fault.code ?? 8, fault.invalidEvent === undefined ? {} : { 'invalid-event-number': fault.invalidEvent }, fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter });
    }
    received.push(...events);
    record(200, events.length);
    if (!options.ack) {
      indexed.push(...events.map((e) => e.text));
      return hec(response, 200, 'Success', 0);
    }
    const state = channels.get(channel as string) ?? { next: 0, pending: new Map() };
    channels.set(channel as string, state);
    const ackId = state.next++;
    state.pending.set(ackId, { texts: events.map((e) => e.text), polls: 0, lost: toLose > 0 });
    if (toLose > 0) toLose--;
    hec(response, 200, 'Success', 0, { ackId });
  };

  const acks = async (request: IncomingMessage, response: ServerResponse) => {
    const raw = await readRequestBody(request);
    if (raw === undefined || !authorized(request, response)) return;
    const channel = new URL(request.url ?? '/', 'http://peer').searchParams.get('channel') ?? (request.headers['x-splunk-request-channel'] as string | undefined);
    let ids: number[];
    try {
      ids = (JSON.parse(raw.toString('utf8')) as { acks: number[] }).acks;
      if (!Array.isArray(ids) || !ids.every((id) => Number.isInteger(id))) throw new Error('not ids');
    } catch {
      violations.push('an ack query that is not {"acks":[ids]}');
      return hec(response, 400, 'Invalid data format', 6);
    }
    ackQueries.push({ channel: channel ?? undefined, ids });
    if (!options.ack) return hec(response, 400, 'ACK is disabled', 14);
    const state = channel ? channels.get(channel) : undefined;
    const answer: Record<string, boolean> = {};
    for (const id of ids) {
      const pending = state?.pending.get(id);
      if (pending === undefined) {
        answer[String(id)] = false;
        continue;
      }
      pending.polls++;
      const done = !pending.lost && pending.polls >= (options.ackAfterPolls ?? 1);
      answer[String(id)] = done;
      if (done) {
        indexed.push(...pending.texts);
        state?.pending.delete(id);
      }
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ acks: answer }));
  };

  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method === 'POST' && (path === '/services/collector/event' || path === '/services/collector')) return void collect(request, response);
    if (request.method === 'POST' && path === '/services/collector/ack') return void acks(request, response);
    violations.push(`${String(request.method)} ${String(request.url)}`);
    request.resume();
    hec(response, 404, 'The requested URL was not found on this server.', 404);
  });
  const url = await listenHttpPeer(server);

  const peer: HecPeer = {
    url,
    received,
    indexed,
    requests,
    ackQueries,
    violations,
    faults,
    tooLarge: undefined,
    inject(fault, times = 1) {
      for (let i = 0; i < times; i++) faults.push(fault);
    },
    loseAcks(count) {
      toLose += count;
    },
    ids: () => received.map((e) => (JSON.parse(e.text) as { id: string }).id),
    clear() {
      for (const list of [received, indexed, requests, ackQueries, violations, faults]) list.length = 0;
      channels.clear();
      toLose = 0;
      peer.tooLarge = undefined;
    },
    close: () => closeHttpPeer(server, hanging),
  };
  return peer;
}
