/**
 * A local Datadog Logs intake for tests, benchmarks and the end-to-end suite: real HTTP on
 * 127.0.0.1 that checks what the Logs API v2 checks, and what Ferry's mapping promises.
 *
 *   const peer = await startDatadogPeer({ apiKey: 'k', expect: { hostname: 'grantex-auth-service' } });
 *   exporter config: { apiKey: 'k', endpoint: peer.endpoint }
 *
 * `POST /api/v2/logs` must carry `DD-API-KEY` (missing: 401 and a violation; another key:
 * 403 `{"errors":["Forbidden"]}`, as Datadog answers), `Content-Type: application/json`,
 * a body that is gzip exactly when `Content-Encoding: gzip` says so, and a JSON array of
 * at most 1000 entries, 5 MB uncompressed, 1 MB per entry, each mapped as `checkEntry`
 * describes. It answers 202 `{}` and keeps the entries in `received`. Anything wrong is
 * recorded in `violations` (tests assert it stays empty) and never silently accepted.
 * `GET /api/v1/validate` answers 200 `{"valid":true}` for the key, 403 otherwise.
 *
 * - `received` (alias `entries`): every accepted entry, decoded, in arrival order.
 * - `requests`: one record per intake POST (entries, bytes, gzip, status); `keyChecks`: per validate GET.
 * - `inject(fault, times)`: answer the next `times` requests with the fault instead:
 *   `{ status, retryAfter?, body? }` (408, 429, 5xx, 413, 400, 401, 403; a 2xx status
 *   accepts the entries), `{ reset: true }` (connection destroyed unanswered), `{ hang: true }`
 *   (never answered); `on: 'validate'` aims a fault at the key check instead. `faults` is
 *   the plan itself (push to it, or set `length = 0` to clear it).
 * - `tooLarge = { entries?, bytes? }`: answer 413 to any request above these sizes, as a
 *   proxy with a smaller body limit would (not a violation); `undefined` turns it off.
 * - `clear()`: forget everything received and recorded, and the plan; `close()`: stop.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { closeHttpPeer, listenHttpPeer, readRequestBody } from '@ferry/sdk/testkit';
import { checkBody, INTAKE_LIMITS, type ExpectedMapping, type IntakeEntry } from './checks.js';

export type PeerFault = (
  | { readonly status: number; readonly retryAfter?: string; readonly body?: string }
  | { readonly reset: true }
  | { readonly hang: true }
) & { readonly on?: 'intake' | 'validate' };

export interface PeerRequest {
  readonly entries: number;
  /** Uncompressed body size. */
  readonly bytes: number;
  readonly gzip: boolean;
  readonly status: number;
}

export interface DatadogPeerOptions {
  /** The key the peer accepts. */
  readonly apiKey: string;
  /** Exact values to check on every entry; without it only the mapping's shape is checked. */
  readonly expect?: ExpectedMapping;
  /** Faults for the first requests, in order. */
  readonly faults?: readonly PeerFault[];
}

export interface DatadogPeer {
  /** The intake URL (`http://127.0.0.1:<port>/api/v2/logs`): the exporter's `endpoint`. */
  readonly endpoint: string;
  /** Same as `endpoint`. */
  readonly url: string;
  readonly received: IntakeEntry[];
  /** Same array as `received`. */
  readonly entries: IntakeEntry[];
  readonly requests: PeerRequest[];
  readonly keyChecks: Array<{ readonly key: 'valid' | 'invalid' | 'missing'; readonly status: number }>;
  readonly violations: string[];
  readonly faults: PeerFault[];
  tooLarge: { readonly entries?: number; readonly bytes?: number } | undefined;
  inject(fault: PeerFault, times?: number): void;
  clear(): void;
  close(): Promise<void>;
}

const json = (response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) =>
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);

const isGzip = (body: Buffer) => body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b;

export async function startDatadogPeer(options: DatadogPeerOptions): Promise<DatadogPeer> {
  const received: IntakeEntry[] = [];
  const requests: PeerRequest[] = [];
  const keyChecks: DatadogPeer['keyChecks'] = [];
  const violations: string[] = [];
  const faults: PeerFault[] = [...(options.faults ?? [])];
  const hanging = new Set<ServerResponse>();

  const takeFault = (on: 'intake' | 'validate'): PeerFault | undefined => {
    const at = faults.findIndex((f) => (f.on ?? 'intake') === on);
    return at === -1 ? undefined : faults.splice(at, 1)[0];
  };
  /** Answers with the fault; false when the fault lets the request through (2xx). */
  const applyFault = (fault: PeerFault, request: IncomingMessage, response: ServerResponse): boolean => {
    if ('reset' in fault) {
      request.socket.destroy();
      return true;
    }
    if ('hang' in fault) {
      hanging.add(response);
      response.on('close', () => hanging.delete(response));
      return true;
    }
    if (fault.status >= 200 && fault.status < 300) return false;
    json(response, fault.status, fault.body ?? `{"errors":["injected ${fault.status}"]}`, fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter });
    return true;
  };

  const keyOf = (request: IncomingMessage): 'valid' | 'invalid' | 'missing' => {
    const key = request.headers['dd-api-key'];
    return key === undefined ? 'missing' : key === options.apiKey ? 'valid' : 'invalid';
  };

  const validate = (request: IncomingMessage, response: ServerResponse) => {
    const fault = takeFault('validate');
    const key = keyOf(request);
    if (fault && applyFault(fault, request, response)) {
      keyChecks.push({ key, status: 'status' in fault ? fault.status : 0 });
      return;
    }
    keyChecks.push({ key, status: key === 'valid' ? 200 : 403 });
    if (key === 'valid') json(response, 200, '{"valid":true}');
    else json(response, 403, '{"errors":["Forbidden"]}');
  };

  const intake = async (request: IncomingMessage, response: ServerResponse) => {
    // A reset happens before the body is read, as a dropped connection would.
    if (faults[0] && 'reset' in faults[0] && (faults[0].on ?? 'intake') === 'intake') {
      applyFault(takeFault('intake') as PeerFault, request, response);
      return;
    }
    const raw = await readRequestBody(request);
    if (raw === undefined) return;
    const key = keyOf(request);
    if (key === 'missing') {
      violations.push('a request without DD-API-KEY');
      return json(response, 401, '{"errors":["Unauthorized"]}');
    }
    if (key === 'invalid') return json(response, 403, '{"errors":["Forbidden"]}');
    const problems: string[] = [];
    if (!String(request.headers['content-type']).startsWith('application/json')) problems.push(`Content-Type ${String(request.headers['content-type'])}`);
    const encoding = request.headers['content-encoding'];
    const gzip = encoding === 'gzip';
    if (encoding !== undefined && !gzip) problems.push(`Content-Encoding ${encoding}`);
    if (!gzip && isGzip(raw)) problems.push('a gzip body without Content-Encoding: gzip');
    let text: string;
    try {
      text = (gzip ? gunzipSync(raw) : raw).toString('utf8');
    } catch {
      violations.push('Content-Encoding: gzip on a body that is not gzip');
      return json(response, 400, '{"errors":["invalid gzip"]}');
    }
    const body = checkBody(text, options.expect);
    problems.push(...body.problems);
    violations.push(...problems);
    const entries = body.entries ?? [];
    const record = (status: number) => requests.push({ entries: entries.length, bytes: Buffer.byteLength(text), gzip, status });
    if (body.entries === undefined || problems.length > 0) {
      // Past the real limits Datadog answers 413; a malformed body, 400.
      const status = entries.length > INTAKE_LIMITS.entries || Buffer.byteLength(text) > INTAKE_LIMITS.payloadBytes ? 413 : 400;
      record(status);
      return json(response, status, `{"errors":[${JSON.stringify(problems.join('; '))}]}`);
    }
    const limit = peer.tooLarge;
    if (limit && ((limit.entries !== undefined && entries.length > limit.entries) || (limit.bytes !== undefined && Buffer.byteLength(text) > limit.bytes))) {
      record(413);
      return json(response, 413, '{"errors":["Payload too large"]}');
    }
    const fault = takeFault('intake');
    if (fault && applyFault(fault, request, response)) {
      record('status' in fault ? fault.status : 0);
      return;
    }
    const status = fault && 'status' in fault ? fault.status : 202;
    received.push(...entries);
    record(status);
    json(response, status, '{}');
  };

  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method === 'POST' && path === '/api/v2/logs') return void intake(request, response);
    if (request.method === 'GET' && path === '/api/v1/validate') return validate(request, response);
    violations.push(`${String(request.method)} ${String(request.url)}`);
    request.resume();
    json(response, 404, '{"errors":["Not found"]}');
  });
  const endpoint = `${await listenHttpPeer(server)}/api/v2/logs`;

  const peer: DatadogPeer = {
    endpoint,
    url: endpoint,
    received,
    entries: received,
    requests,
    keyChecks,
    violations,
    faults,
    tooLarge: undefined,
    inject(fault, times = 1) {
      for (let i = 0; i < times; i++) faults.push(fault);
    },
    clear() {
      for (const list of [received, requests, keyChecks, violations, faults]) list.length = 0;
      peer.tooLarge = undefined;
    },
    close: () => closeHttpPeer(server, hanging),
  };
  return peer;
}
