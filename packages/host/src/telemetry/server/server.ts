import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseAddress } from '../../config/telemetry-address.js';
import type { Readiness } from '../../status/board.js';
import type { TapTarget, TappedEvent } from '../tap.js';
import { Access } from './auth.js';
import { TelemetryAddressError } from './errors.js';
import { servePage } from './page.js';

/** What the server answers from; each call reads the collector as it is now. */
export interface TelemetryContent {
  readiness(): Readiness;
  /** The status tree, and whether it is healthy. */
  status(): { readonly healthy: boolean; readonly body: unknown };
  figures(): unknown;
  metrics(request: IncomingMessage, response: ServerResponse): void;
  /** The tap target for a component id (`exporter:file`, or a bare id when it is unambiguous), or why there is none. */
  tapTarget(component: string): TapTarget | { readonly error: string };
  tap(target: TapTarget, options: { limit: number; intervalMs: number; deliver: (events: readonly TappedEvent[]) => void }): () => void;
  /** Applied to every body that carries figures, statuses or events: secrets never leave. */
  scrub(text: string): string;
}

export interface TelemetryServerOptions {
  readonly address: string;
  readonly authToken: string | undefined;
  readonly content: TelemetryContent;
}

const TAP_LIMIT = { default: 100, max: 10_000 };
/** A tap whose reader falls this far behind skips samples rather than holding them in memory. */
const TAP_BACKLOG_BYTES = 1024 * 1024;
const TAP_INTERVAL_MS = { default: 500, min: 50 };

function send(response: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
  response.end(body);
}

function integer(value: string | null, fallback: number, min: number, max: number): number {
  const n = value === null ? fallback : Number(value);
  return Number.isInteger(n) ? Math.min(max, Math.max(min, n)) : fallback;
}

/**
 * Ferry's telemetry server: `/livez`, `/readyz`, `/status`, `/metrics`, the status page
 * (`/`) with its figures (`/api/figures`), and event taps (`/api/tap`). Read-only: it
 * answers GET and HEAD only, and nothing it serves changes the collector.
 */
export class TelemetryServer {
  readonly #o: TelemetryServerOptions;
  readonly #access: Access;
  readonly #server: Server;
  readonly #taps = new Set<() => void>();

  constructor(options: TelemetryServerOptions) {
    this.#o = options;
    this.#access = new Access(options.authToken);
    this.#server = createServer((request, response) => this.#handle(request, response));
    this.#server.keepAliveTimeout = 5_000;
  }

  /** Listens; rejects with a TelemetryAddressError naming `service.telemetry.address`. */
  listen(): Promise<AddressInfo> {
    const { host, port } = parseAddress(this.#o.address);
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => reject(new TelemetryAddressError(this.#o.address, error));
      this.#server.once('error', onError);
      this.#server.listen(port, host, () => {
        this.#server.off('error', onError);
        resolve(this.#server.address() as AddressInfo);
      });
    });
  }

  /** Ends every tap and closes every connection. */
  async close(): Promise<void> {
    for (const end of [...this.#taps]) end();
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    try {
      this.#route(request, response);
    } catch (error) {
      if (!response.headersSent) send(response, 500, 'text/plain; charset=utf-8', `${this.#o.content.scrub((error as Error).message)}\n`);
      else response.destroy();
    }
  }

  #route(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://ferry');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      send(response, 405, 'text/plain; charset=utf-8', 'read-only: GET only\n', { allow: 'GET, HEAD' });
      return;
    }
    const content = this.#o.content;
    // Probes reveal nothing and must work without credentials (kubelet, systemd).
    if (url.pathname === '/livez') return send(response, 200, 'text/plain; charset=utf-8', 'ok\n');
    if (url.pathname === '/readyz') {
      const readiness = content.readiness();
      return send(response, readiness.ready ? 200 : 503, 'text/plain; charset=utf-8', content.scrub(readiness.ready ? 'ready\n' : `not ready: ${readiness.reasons.join('; ')}\n`));
    }
    // The page is static: its figures come from /api/figures, which needs the token.
    if (servePage(url.pathname, response)) return;
    const denied = this.#access.check(request);
    if (denied !== undefined) return send(response, denied.status, 'text/plain; charset=utf-8', `${denied.reason}\n`, denied.status === 401 ? { 'www-authenticate': 'Bearer' } : {});
    switch (url.pathname) {
      case '/metrics':
        return content.metrics(request, response);
      case '/status': {
        const status = content.status();
        return send(response, status.healthy ? 200 : 503, 'application/json', content.scrub(JSON.stringify(status.body, null, 2)));
      }
      case '/api/figures':
        return send(response, 200, 'application/json', content.scrub(JSON.stringify(content.figures())));
      case '/api/tap':
        return this.#tap(url, response);
      default:
        return send(response, 404, 'text/plain; charset=utf-8', 'not found: /livez, /readyz, /status, /metrics, /, /api/figures, /api/tap\n');
    }
  }

  #tap(url: URL, response: ServerResponse): void {
    const content = this.#o.content;
    const target = content.tapTarget(url.searchParams.get('component') ?? '');
    if ('error' in target) return send(response, 404, 'text/plain; charset=utf-8', `${content.scrub(target.error)}\n`);
    const limit = integer(url.searchParams.get('limit'), TAP_LIMIT.default, 1, TAP_LIMIT.max);
    const intervalMs = integer(url.searchParams.get('intervalMs'), TAP_INTERVAL_MS.default, TAP_INTERVAL_MS.min, 60_000);
    const component = `${target.kind === 'pipelines' ? 'processor' : target.kind}:${target.id}`;
    response.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
    // The first line says what is tapped, so a client knows the tap is on before any event passes.
    response.write(`${JSON.stringify({ tapping: component, limit, intervalMs })}\n`);
    const unsubscribe = content.tap(target, {
      limit,
      intervalMs,
      deliver: (events) => {
        if (response.writableLength > TAP_BACKLOG_BYTES) return;
        let text = '';
        // The stored line goes out as it is: the event exactly as the pipeline kept it.
        for (const e of events) text += `{"component":${JSON.stringify(component)},"pipeline":${JSON.stringify(e.pipeline)},"event":${e.line}}\n`;
        response.write(content.scrub(text));
      },
    });
    const end = () => {
      unsubscribe();
      this.#taps.delete(end);
      response.end();
    };
    this.#taps.add(end);
    response.on('close', end);
  }
}
