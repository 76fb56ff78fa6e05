import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What every local HTTP peer in a plugin's tests needs (a fake destination that speaks the
 * protocol and checks what it receives): a request's whole body, and closing the server
 * even while it holds answers back on purpose.
 */

/** Starts the peer on a free port of 127.0.0.1 (tests send nothing elsewhere): its base URL, `http://127.0.0.1:<port>`. */
export async function listenHttpPeer(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The request's body, or undefined when the client went away before sending all of it. */
export async function readRequestBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of request) chunks.push(chunk as Buffer);
  } catch {
    return undefined;
  }
  return Buffer.concat(chunks);
}

/** Closes a peer's server: answers it is holding back are cut, idle keep-alive connections closed. */
export function closeHttpPeer(server: Server, holding: Iterable<ServerResponse> = []): Promise<void> {
  return new Promise<void>((resolve) => {
    for (const response of holding) response.destroy();
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
