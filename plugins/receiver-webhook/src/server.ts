import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, STATUS_CODES, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { ConfigError } from '@ferry/sdk';
import { parseEndpoint } from './endpoint.js';

export interface ServerSettings {
  readonly endpoint: string;
  readonly requestTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined;
  /** Where these settings are in the config (`receivers.webhook`), for error messages. */
  readonly configPath: string;
}

export interface ServerHandlers {
  request(request: IncomingMessage, response: ServerResponse): Promise<void>;
  /** A connection the HTTP layer refused before any handler ran (too slow, unparseable). */
  clientError(status: number, code: string, remote: string | undefined): void;
}

/** Node's own answers to a client that broke the protocol, kept for when we take over its clientError handling. */
const CLIENT_ERROR_STATUS: Readonly<Record<string, number>> = { ERR_HTTP_REQUEST_TIMEOUT: 408, HPE_HEADER_OVERFLOW: 431 };

/**
 * The HTTP(S) server behind the receiver: request and header timeouts against slow
 * clients, refusals Node makes itself reported to the receiver, and a close that lets
 * requests already being answered finish (their events may be on their way to disk)
 * before it drops what is left.
 */
export class WebhookServer {
  readonly #settings: ServerSettings;
  readonly #handlers: ServerHandlers;
  readonly #sockets = new Set<Socket>();
  /** Responses not yet handed to the OS: the requests a close waits for. */
  readonly #responses = new Set<ServerResponse>();
  #whenIdle: (() => void) | undefined;
  #server: Server | undefined;

  constructor(settings: ServerSettings, handlers: ServerHandlers) {
    this.#settings = settings;
    this.#handlers = handlers;
  }

  /** The port listened on (useful with port 0). */
  get port(): number | undefined {
    const address = this.#server?.address();
    return typeof address === 'object' && address !== null ? address.port : undefined;
  }

  async listen(): Promise<void> {
    const { endpoint, configPath } = this.#settings;
    const server = await this.#create();
    this.#server = server;
    const { host, port } = parseEndpoint(endpoint);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => reject(new ConfigError(`cannot listen on ${endpoint} (${configPath}.endpoint): ${describeListenError(error)}`)));
      server.listen(port, host, () => resolve());
    });
  }

  /**
   * Stops accepting connections, closes idle keep-alive ones, waits up to `drainMs` for the
   * responses being prepared, then drops every connection left (slow or half-sent requests).
   */
  async close(drainMs: number): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    if (this.#responses.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#whenIdle = resolve;
        timer = setTimeout(resolve, drainMs);
      });
      clearTimeout(timer);
    }
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  async #create(): Promise<Server> {
    const { requestTimeoutMs, headersTimeoutMs } = this.#settings;
    const headersTimeout = Math.min(headersTimeoutMs, requestTimeoutMs);
    const options: ServerOptions = {
      requestTimeout: requestTimeoutMs,
      headersTimeout,
      // Node enforces both timeouts only this often (30 s by default).
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.ceil(headersTimeout / 2))),
    };
    const onRequest = (request: IncomingMessage, response: ServerResponse): void => this.#track(request, response);
    const server = this.#settings.tls === undefined ? createHttpServer(options, onRequest) : await this.#createTls(options, onRequest);
    server.keepAliveTimeout = 5_000;
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => this.#clientError(error, socket));
    return server;
  }

  async #createTls(options: ServerOptions, onRequest: (request: IncomingMessage, response: ServerResponse) => void): Promise<Server> {
    const { tls, configPath, headersTimeoutMs } = this.#settings;
    if (tls === undefined) throw new Error('no tls settings');
    const read = async (file: string, option: string): Promise<Buffer> => {
      try {
        return await readFile(file);
      } catch (error) {
        throw new ConfigError(`cannot read ${configPath}.tls.${option} (${file}): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
    };
    const cert = await read(tls.certFile, 'certFile');
    const key = await read(tls.keyFile, 'keyFile');
    try {
      return createHttpsServer({ ...options, cert, key, handshakeTimeout: headersTimeoutMs }, onRequest) as unknown as Server;
    } catch (error) {
      throw new ConfigError(`${configPath}.tls: the certificate or key cannot be used (${(error as Error).message})`);
    }
  }

  #track(request: IncomingMessage, response: ServerResponse): void {
    this.#responses.add(response);
    response.once('close', () => {
      this.#responses.delete(response);
      if (this.#responses.size === 0) this.#whenIdle?.();
    });
    this.#handlers.request(request, response).catch(() => undefined);
  }

  /** Answers as Node would (408, 431 or 400, then drop the connection), and tells the receiver. */
  #clientError(error: NodeJS.ErrnoException, socket: Duplex): void {
    const code = error.code ?? 'unknown';
    // The client went away or the connection broke: nobody to answer.
    if (code === 'ECONNRESET' || code === 'EPIPE' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = CLIENT_ERROR_STATUS[code] ?? 400;
    this.#handlers.clientError(status, code, (socket as Socket).remoteAddress);
    const answering = [...this.#responses].some((response) => response.socket === socket && response.headersSent);
    if (!answering) socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`);
    socket.destroy();
  }
}

function describeListenError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'EADDRINUSE':
      return 'the port is in use';
    case 'EACCES':
      return 'permission denied (ports below 1024 need privileges)';
    case 'EADDRNOTAVAIL':
      return 'the address is not one of this machine\'s';
    default:
      return error.message;
  }
}
