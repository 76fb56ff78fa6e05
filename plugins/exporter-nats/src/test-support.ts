import { createServer } from 'node:net';

/** A port free on 127.0.0.1 now, for a nats-server a test starts and stops itself. */
export function freePortForNats(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
