import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Where the kernel takes ports for outgoing connections (Linux; 32768 elsewhere, its default). */
function ephemeralStart(): number {
  try {
    const start = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(start) && start > 2048 ? start : 32768;
  } catch {
    return 32768;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A port free on 127.0.0.1 now, for a server the test starts later or restarts on the same
 * port (a receiver killed with -9 and run again). It is picked below the kernel's ephemeral
 * range: a port from `listen(0)` lies inside it, where any outgoing connection in the
 * meantime (a client reconnecting, another test) can take it as its local port, and the
 * restarted server then finds it in use.
 */
export async function freePort(): Promise<number> {
  const high = ephemeralStart();
  const low = Math.max(1025, high - 12_000);
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port on 127.0.0.1 between ${low} and ${high}`);
}
