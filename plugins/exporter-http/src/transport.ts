import { readFile } from 'node:fs/promises';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { ConfigError } from '@ferry/sdk';
import { describeNetworkError } from '@ferry/sdk/http';
import type { HttpConfig } from './config.js';

/** What a request got back, whatever its status. */
export interface Answer {
  readonly status: number;
  readonly retryAfter: string | undefined;
  readonly location: string | undefined;
  /** The body, at most 4 KiB of it (an error page is read for its reason, never kept whole). */
  readonly text: string;
}

/**
 * Why a request got no answer (reset, refused, timed out, aborted). Named TimeoutError when
 * `requestTimeoutMs` passed, as the SDK's `unreachable` reads it.
 */
export class NoAnswer extends Error {
  constructor(
    message: string,
    readonly timeout: string | undefined,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = timeout === undefined ? 'NoAnswer' : 'TimeoutError';
  }
}

const MAX_ANSWER_BYTES = 4096;

/**
 * One keep-alive connection pool to the URL, with the TLS settings applied: node's own
 * http/https clients, because `fetch` in Node 20 cannot take a CA file, a client
 * certificate or a server name without a separate undici install.
 */
export class Transport {
  readonly #url: URL;
  readonly #agent: HttpAgent;
  readonly #timeoutMs: number;

  private constructor(url: URL, agent: HttpAgent, timeoutMs: number) {
    this.#url = url;
    this.#agent = agent;
    this.#timeoutMs = timeoutMs;
  }

  /** Reads the TLS files; a file that cannot be read is a ConfigError naming its option. */
  static async open(config: HttpConfig, configPath: string): Promise<Transport> {
    const url = new URL(config.url);
    if (url.protocol === 'http:') return new Transport(url, new HttpAgent({ keepAlive: true }), config.requestTimeoutMs);
    const tls = config.tls;
    const read = async (file: string | undefined, option: string): Promise<Buffer | undefined> => {
      if (file === undefined) return undefined;
      try {
        return await readFile(file);
      } catch (error) {
        throw new ConfigError(`cannot read ${configPath}.tls.${option} (${file}): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
    };
    const [ca, cert, key] = [await read(tls?.caFile, 'caFile'), await read(tls?.certFile, 'certFile'), await read(tls?.keyFile, 'keyFile')];
    const agent = new HttpsAgent({
      keepAlive: true,
      ...(ca ? { ca } : {}),
      ...(cert && key ? { cert, key } : {}),
      ...(tls?.serverName ? { servername: tls.serverName } : {}),
      rejectUnauthorized: !(tls?.insecureSkipVerify ?? false),
    });
    return new Transport(url, agent, config.requestTimeoutMs);
  }

  /** POSTs the body; resolves with the answer, rejects with NoAnswer (reset, refused, timed out, aborted). */
  post(body: Buffer, headers: Readonly<Record<string, string>>, signal: AbortSignal): Promise<Answer> {
    const send = this.#url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<Answer>((resolve, reject) => {
      const request = send(this.#url, { method: 'POST', agent: this.#agent, headers: { ...headers, 'content-length': String(body.length) }, signal });
      const timeout = `${this.#timeoutMs} ms (requestTimeoutMs)`;
      request.setTimeout(this.#timeoutMs, () => request.destroy(new NoAnswer(`no answer within ${timeout}`, timeout)));
      request.on('error', (error) => reject(error instanceof NoAnswer ? error : new NoAnswer(describeNetworkError(error), undefined, { cause: error })));
      request.on('response', (response) => {
        readAnswer(response).then(resolve, (error: unknown) => reject(new NoAnswer(`the answer broke off: ${describeNetworkError(error)}`, undefined, { cause: error })));
      });
      request.end(body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

async function readAnswer(response: IncomingMessage): Promise<Answer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response) {
    if (size < MAX_ANSWER_BYTES) chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  const header = (name: string): string | undefined => {
    const value = response.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  return { status: response.statusCode ?? 0, retryAfter: header('retry-after'), location: header('location'), text: Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString('utf8') };
}
