/**
 * A local Datadog Logs intake for tests and benchmarks. It checks what the Logs API v2
 * checks — the path, the `DD-API-KEY` header, gzip, a JSON array of entries, at most 1000
 * entries, 5 MB uncompressed, 1 MB per entry — records every violation, and answers 202;
 * `faults` injects answers (408, 429 with Retry-After, 5xx, 413, 400, 401, 403, resets).
 *
 *   const intake = await startDatadogIntake({ apiKey: 'k' });
 *   exporter config: { apiKey: 'k', endpoint: intake.url }
 *   intake.entries; intake.violations; intake.faults.push({ status: 429, retryAfter: '1' });
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface IntakeEntry {
  readonly ddsource: string;
  readonly ddtags: string;
  readonly hostname: string;
  readonly service: string;
  readonly message: string;
  readonly [attribute: string]: unknown;
}

export type IntakeFault = { readonly status: number; readonly retryAfter?: string; readonly body?: string } | { readonly reset: true } | { readonly tooLargeOver: number };

export interface DatadogIntake {
  readonly url: string;
  readonly entries: IntakeEntry[];
  readonly violations: string[];
  readonly requests: Array<{ readonly entries: number; readonly bytes: number; readonly status: number }>;
  readonly faults: IntakeFault[];
  close(): Promise<void>;
}

const MAX_ENTRIES = 1000;
const MAX_PAYLOAD = 5 * 1024 * 1024;
const MAX_ENTRY = 1024 * 1024;

async function body(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startDatadogIntake(options: { apiKey: string }): Promise<DatadogIntake> {
  const entries: IntakeEntry[] = [];
  const violations: string[] = [];
  const requests: DatadogIntake['requests'] = [];
  const faults: IntakeFault[] = [];
  const server = createServer((request, response) => {
    void (async () => {
      const fault = faults[0];
      if (fault && 'reset' in fault) {
        faults.shift();
        request.socket.destroy();
        return;
      }
      let raw: Buffer;
      try {
        raw = await body(request);
      } catch {
        return;
      }
      const answer = (status: number, text = '{}', headers: Record<string, string> = {}) => response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(text);
      if (request.url !== '/api/v2/logs' || request.method !== 'POST') {
        violations.push(`${request.method} ${request.url}`);
        return answer(404, '{"errors":["not found"]}');
      }
      if (request.headers['dd-api-key'] !== options.apiKey) return answer(403, '{"errors":["Forbidden"]}');
      let text: string;
      try {
        text = (request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
      } catch {
        violations.push('body is not valid gzip');
        return answer(400, '{"errors":["invalid gzip"]}');
      }
      let batch: IntakeEntry[];
      try {
        batch = JSON.parse(text) as IntakeEntry[];
      } catch {
        violations.push('body is not JSON');
        return answer(400, '{"errors":["invalid JSON"]}');
      }
      const bytes = Buffer.byteLength(text);
      if (fault && 'tooLargeOver' in fault) {
        if (batch.length > fault.tooLargeOver) {
          requests.push({ entries: batch.length, bytes, status: 413 });
          return answer(413, '{"errors":["Payload too large"]}');
        }
      } else if (fault) {
        faults.shift();
        requests.push({ entries: batch.length, bytes, status: fault.status });
        return answer(fault.status, fault.body ?? `{"errors":["injected ${fault.status}"]}`, fault.retryAfter ? { 'retry-after': fault.retryAfter } : {});
      }
      if (!Array.isArray(batch)) violations.push('body is not a JSON array');
      if (batch.length > MAX_ENTRIES) violations.push(`${batch.length} entries in one request`);
      if (bytes > MAX_PAYLOAD) violations.push(`${bytes} bytes uncompressed in one request`);
      for (const entry of batch) {
        if (Buffer.byteLength(JSON.stringify(entry)) > MAX_ENTRY) violations.push(`an entry over 1 MB`);
        for (const field of ['ddsource', 'ddtags', 'hostname', 'service', 'message']) if (typeof entry[field] !== 'string') violations.push(`entry without ${field}`);
      }
      entries.push(...batch);
      requests.push({ entries: batch.length, bytes, status: 202 });
      answer(202);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2/logs`,
    entries,
    violations,
    requests,
    faults,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
