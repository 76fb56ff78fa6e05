import { readFile } from 'node:fs/promises';

/** How `ferry top` and `ferry tap` reach a running Ferry's telemetry server. */
export interface ServerOptions {
  readonly address?: string;
  readonly tokenFile?: string;
}

export interface TelemetryClient {
  readonly base: string;
  get(path: string, signal?: AbortSignal): Promise<Response>;
}

/** The default is what `ferry run` listens on by default; `FERRY_TELEMETRY_ADDRESS` and `FERRY_TELEMETRY_TOKEN` override. */
export async function telemetryClient(options: ServerOptions): Promise<TelemetryClient> {
  const address = options.address ?? process.env.FERRY_TELEMETRY_ADDRESS ?? '127.0.0.1:8888';
  const token = options.tokenFile === undefined ? process.env.FERRY_TELEMETRY_TOKEN : (await readFile(options.tokenFile, 'utf8')).trim();
  const base = /^https?:\/\//.test(address) ? address.replace(/\/$/, '') : `http://${address}`;
  return {
    base,
    get: (path, signal) => fetch(`${base}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {}, ...(signal === undefined ? {} : { signal }) }),
  };
}

/** A refused or failed request, said in a way that helps (is Ferry running there? a token?). */
export function describeFailure(base: string, error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause?.code;
  if (cause === 'ECONNREFUSED') return `nothing answers at ${base}: is \`ferry run\` running with service.telemetry.address there? (--address, FERRY_TELEMETRY_ADDRESS)`;
  return `cannot reach ${base}: ${cause ?? (error as Error).message}`;
}

export async function describeAnswer(response: Response): Promise<string> {
  const text = (await response.text()).trim();
  if (response.status === 401) return `the server wants its bearer token (${text}): --token-file, or FERRY_TELEMETRY_TOKEN`;
  return `the server answered ${response.status}: ${text}`;
}
