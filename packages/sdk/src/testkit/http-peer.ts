import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/**
 * What every local HTTP peer in a plugin's tests needs (a fake destination that speaks the
 * protocol and checks what it receives): a request's whole body, and closing the server
 * even while it holds answers back on purpose.
 */

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
