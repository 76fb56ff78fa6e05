/**
 * A checking OTLP/HTTP logs endpoint for tests, benchmarks and the end-to-end suite: real
 * HTTP on 127.0.0.1 that decodes every request with the official OTLP decoder (see
 * official-decoder.ts), never with Ferry's own.
 *
 *   const peer = await startOtlpPeer();
 *   exporter config: { endpoint: peer.url }            (logs are POSTed to <url>/v1/logs)
 *
 * `POST /v1/logs` must carry `Content-Type: application/x-protobuf` (decoded with the
 * official code) or `application/json` (read with its `fromObject`), a body
 * that is gzip exactly when `Content-Encoding: gzip` says so, and the `headers` asked for.
 * It answers 200 with an ExportLogsServiceResponse in the request's encoding and keeps each
 * log record, flattened with its resource and scope, in `records`.
 *
 * - `inject(fault, times)`: `{ status, retryAfter? }`, `{ reset: true }`, `{ hang: true }`,
 *   or `{ partialSuccess: { rejected, message } }` (200 with that partial success).
 * - `tooLarge = { records?, bytes? }`: 413 above these sizes.
 * - `violations`: what a correct client never sends (tests assert it stays empty).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { closeHttpPeer, listenHttpPeer, readRequestBody } from '@ferry/sdk/testkit';
import { ExportLogsServiceRequest, ExportLogsServiceResponse, TO_OBJECT } from './official-decoder.js';

export type OtlpPeerFault =
  | { readonly status: number; readonly retryAfter?: string }
  | { readonly partialSuccess: { readonly rejected: number; readonly message: string } }
  | { readonly reset: true }
  | { readonly hang: true };

/** A decoded value: int64 as a number when it is safe, else a bigint. */
export type PeerValue = string | number | bigint | boolean | null | Uint8Array | PeerValue[] | { [key: string]: PeerValue };

/** One log record as the official decoder read it. */
export interface PeerRecord {
  readonly resource: Record<string, PeerValue>;
  readonly scope: { readonly name: string; readonly version: string };
  /** Nanoseconds since the epoch, as a decimal string (exact). */
  readonly timeUnixNano: string;
  readonly observedTimeUnixNano: string;
  readonly severityNumber: number;
  readonly severityText: string;
  readonly eventName: string;
  readonly body: PeerValue;
  readonly attributes: Record<string, PeerValue>;
}

export interface OtlpPeerRequest {
  readonly encoding: 'protobuf' | 'json' | 'unknown';
  readonly gzip: boolean;
  readonly records: number;
  readonly status: number;
}

export interface OtlpPeer {
  /** The base URL (`http://127.0.0.1:<port>`): the exporter's `endpoint`. */
  readonly url: string;
  readonly records: PeerRecord[];
  readonly requests: OtlpPeerRequest[];
  readonly violations: string[];
  readonly faults: OtlpPeerFault[];
  tooLarge: { readonly records?: number; readonly bytes?: number } | undefined;
  inject(fault: OtlpPeerFault, times?: number): void;
  /** `log.record.uid` of every record received, in order. */
  ids(): string[];
  clear(): void;
  close(): Promise<void>;
}

type Obj = Record<string, unknown>;

function value(any: unknown): PeerValue {
  const v = (any ?? {}) as Obj;
  if ('stringValue' in v) return v.stringValue as string;
  if ('boolValue' in v) return v.boolValue as boolean;
  if ('intValue' in v) {
    const big = BigInt(v.intValue as string);
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }
  if ('doubleValue' in v) return v.doubleValue as number;
  if ('bytesValue' in v) return Buffer.from(v.bytesValue as string, 'base64');
  if ('arrayValue' in v) return (((v.arrayValue as Obj).values as unknown[] | undefined) ?? []).map(value);
  if ('kvlistValue' in v) return attributes((v.kvlistValue as Obj).values);
  return null;
}

function attributes(list: unknown): Record<string, PeerValue> {
  const out: Record<string, PeerValue> = {};
  for (const kv of (list as Obj[] | undefined) ?? []) out[kv.key as string] = value(kv.value);
  return out;
}

function flatten(request: Obj): PeerRecord[] {
  const records: PeerRecord[] = [];
  for (const resourceLogs of (request.resourceLogs as Obj[] | undefined) ?? []) {
    const resource = attributes(((resourceLogs.resource as Obj | undefined) ?? {}).attributes);
    for (const scopeLogs of (resourceLogs.scopeLogs as Obj[] | undefined) ?? []) {
      const scope = (scopeLogs.scope as Obj | undefined) ?? {};
      for (const log of (scopeLogs.logRecords as Obj[] | undefined) ?? []) {
        records.push({
          resource,
          scope: { name: String(scope.name ?? ''), version: String(scope.version ?? '') },
          timeUnixNano: String(log.timeUnixNano ?? '0'),
          observedTimeUnixNano: String(log.observedTimeUnixNano ?? '0'),
          severityNumber: Number(log.severityNumber ?? 0),
          severityText: String(log.severityText ?? ''),
          eventName: String(log.eventName ?? ''),
          body: value(log.body),
          attributes: attributes(log.attributes),
        });
      }
    }
  }
  return records;
}

/** OTLP/JSON writes trace and span ids in hex; protobufjs's fromObject reads bytes as base64. */
function hexIdsToBase64(request: Obj): Obj {
  for (const resourceLogs of (request.resourceLogs as Obj[] | undefined) ?? []) {
    for (const scopeLogs of (resourceLogs.scopeLogs as Obj[] | undefined) ?? []) {
      for (const log of (scopeLogs.logRecords as Obj[] | undefined) ?? []) {
        for (const id of ['traceId', 'spanId']) if (typeof log[id] === 'string') log[id] = Buffer.from(log[id] as string, 'hex').toString('base64');
      }
    }
  }
  return request;
}

export async function startOtlpPeer(options: { readonly headers?: Readonly<Record<string, string>> } = {}): Promise<OtlpPeer> {
  const records: PeerRecord[] = [];
  const requests: OtlpPeerRequest[] = [];
  const violations: string[] = [];
  const faults: OtlpPeerFault[] = [];
  const hanging = new Set<ServerResponse>();

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const fault = faults[0];
    if (fault !== undefined && 'reset' in fault) {
      faults.shift();
      request.socket.destroy();
      return;
    }
    const raw = await readRequestBody(request);
    if (raw === undefined) return;
    const contentType = String(request.headers['content-type'] ?? '');
    const encoding = contentType.startsWith('application/x-protobuf') ? 'protobuf' : contentType.startsWith('application/json') ? 'json' : 'unknown';
    const gzip = request.headers['content-encoding'] === 'gzip';
    const record = (status: number, count: number) => requests.push({ encoding, gzip, records: count, status });
    const refuse = (status: number, problem: string) => {
      violations.push(problem);
      record(status, 0);
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 3, message: problem }));
    };
    for (const [name, want] of Object.entries(options.headers ?? {})) if (request.headers[name.toLowerCase()] !== want) return refuse(401, `header ${name} missing or wrong`);
    if (encoding === 'unknown') return refuse(415, `Content-Type ${contentType}`);
    let body: Buffer;
    try {
      body = gzip ? gunzipSync(raw) : raw;
    } catch {
      return refuse(400, 'Content-Encoding: gzip on a body that is not gzip');
    }
    let decoded: Obj;
    try {
      if (encoding === 'protobuf') decoded = ExportLogsServiceRequest.toObject(ExportLogsServiceRequest.decode(body), TO_OBJECT);
      else {
        const object = hexIdsToBase64(JSON.parse(body.toString('utf8')) as Obj);
        // Not verify(): it wants int64 as numbers, where OTLP/JSON writes decimal strings (which fromObject reads).
        decoded = ExportLogsServiceRequest.toObject(ExportLogsServiceRequest.fromObject(object), TO_OBJECT);
      }
    } catch (error) {
      return refuse(400, `not an ExportLogsServiceRequest: ${(error as Error).message}`);
    }
    const found = flatten(decoded);
    const limit = peer.tooLarge;
    if (limit && ((limit.records !== undefined && found.length > limit.records) || (limit.bytes !== undefined && body.length > limit.bytes))) {
      record(413, found.length);
      return response.writeHead(413, { 'content-type': 'application/json' }).end('{"code":8,"message":"too large"}');
    }
    let partial: { rejected: number; message: string } | undefined;
    if (fault !== undefined) {
      faults.shift();
      if ('hang' in fault) {
        hanging.add(response);
        response.on('close', () => hanging.delete(response));
        record(0, found.length);
        return;
      }
      if ('status' in fault) {
        record(fault.status, found.length);
        return response.writeHead(fault.status, { 'content-type': 'application/json', ...(fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter }) }).end('{"code":14,"message":"injected"}');
      }
      partial = fault.partialSuccess;
    }
    records.push(...found);
    record(200, found.length);
    const answer = partial === undefined ? {} : { partialSuccess: { rejectedLogRecords: String(partial.rejected), errorMessage: partial.message } };
    if (encoding === 'json') return response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    const bytes = ExportLogsServiceResponse.encode(ExportLogsServiceResponse.fromObject(answer)).finish();
    response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(Buffer.from(bytes));
  };

  const server = createServer((request, response) => {
    if (request.method === 'POST' && (request.url ?? '').split('?')[0] === '/v1/logs') return void handle(request, response);
    violations.push(`${String(request.method)} ${String(request.url)}`);
    request.resume();
    response.writeHead(404).end();
  });
  const url = await listenHttpPeer(server);
  const peer: OtlpPeer = {
    url,
    records,
    requests,
    violations,
    faults,
    tooLarge: undefined,
    inject(fault, times = 1) {
      for (let i = 0; i < times; i++) faults.push(fault);
    },
    ids: () => records.map((r) => String(r.attributes['log.record.uid'])),
    clear() {
      for (const list of [records, requests, violations, faults]) list.length = 0;
      peer.tooLarge = undefined;
    },
    close: () => closeHttpPeer(server, hanging),
  };
  return peer;
}
