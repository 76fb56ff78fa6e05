import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Who may read the telemetry server. With a token, every request but the probes and the
 * page's static files must carry it as a bearer token (compared in constant time). Without
 * one the server listens on loopback only (the config insists), and a request must name
 * the server by an IP address or `localhost`: a web page cannot then read it through a
 * host name it points at 127.0.0.1 (DNS rebinding).
 */
export class Access {
  readonly #token: Buffer | undefined;

  constructor(token: string | undefined) {
    this.#token = token === undefined ? undefined : digest(token);
  }

  /** Undefined when allowed; else the status and reason to answer with. */
  check(request: IncomingMessage): { status: 401 | 403; reason: string } | undefined {
    if (this.#token !== undefined) {
      const header = request.headers.authorization ?? '';
      const match = /^Bearer\s+(.+)$/i.exec(header);
      if (match === null) return { status: 401, reason: 'a bearer token is required (service.telemetry.authToken)' };
      if (!timingSafeEqual(digest((match[1] as string).trim()), this.#token)) return { status: 401, reason: 'wrong bearer token' };
      return undefined;
    }
    const host = (request.headers.host ?? '').replace(/:\d+$/, '');
    if (host === 'localhost' || /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || /^\[[0-9a-fA-F:.]+\]$/.test(host)) return undefined;
    return { status: 403, reason: `this server answers only requests addressed to an IP address or localhost, not "${host}"` };
  }
}
