import { createServer } from 'node:net';

/** A port free on 127.0.0.1 right now (for a receiver that must keep its port across restarts). */
export async function freePort(): Promise<number> {
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

/** Peak resident memory of a process, sampled from /proc while `during` runs. */
export async function peakRss(pid: number, during: Promise<unknown>, everyMs = 50): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  let peak = 0;
  let done = false;
  void during.finally(() => (done = true));
  while (!done) {
    try {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      peak = Math.max(peak, kb * 1024);
    } catch {
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return peak;
}
