import type { ServerResponse } from 'node:http';

export type Encoding = 'protobuf' | 'json';

export const CONTENT_TYPES: Readonly<Record<Encoding, string>> = { protobuf: 'application/x-protobuf', json: 'application/json' };

/** gRPC status codes an OTLP/HTTP error body carries (google.rpc.Status.code). */
export const RPC = { invalidArgument: 3, unauthenticated: 16, unavailable: 14, resourceExhausted: 8, unimplemented: 12 } as const;

/** A google.rpc.Status `{ code = 1, message = 2 }` in protobuf: two fields, written by hand. */
function statusProtobuf(code: number, message: string): Buffer {
  const text = Buffer.from(message, 'utf8');
  const length: number[] = [];
  for (let n = text.length; ; n >>>= 7) {
    if (n < 0x80) {
      length.push(n);
      break;
    }
    length.push((n & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from([0x08, code, 0x12, ...length]), text]);
}

/**
 * An OTLP/HTTP answer in the request's encoding: 200 with an empty ExportLogsServiceResponse
 * (every record accepted: no partial success), or an error status with a google.rpc.Status
 * body, as the OTLP specification asks.
 */
export function answer(response: ServerResponse, encoding: Encoding, status: number, error?: { readonly code: number; readonly message: string }, headers: Record<string, string> = {}): void {
  if (response.headersSent || response.destroyed) return;
  const body = error === undefined ? (encoding === 'json' ? Buffer.from('{}') : Buffer.alloc(0)) : encoding === 'json' ? Buffer.from(JSON.stringify(error)) : statusProtobuf(error.code, error.message);
  response.writeHead(status, { 'content-type': CONTENT_TYPES[encoding], ...headers }).end(body);
}
