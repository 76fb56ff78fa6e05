
/** A port free on 127.0.0.1, below the ephemeral range (for a receiver that must keep its port across restarts). */
export { freePort } from '@ferry/sdk/testkit';

/**
 * Peak resident memory of a process while `during` runs: the kernel's high-water mark
 * (VmHWM), reset when this starts (`clear_refs`) so that each phase gets its own, and read
 * until `during` settles. Sampling VmRSS instead missed the short peaks between samples:
 * 177 MB sampled every 50 ms where the high-water mark said 244-272 MB.
 */
export async function peakRss(pid: number, during: Promise<unknown>, everyMs = 50): Promise<number> {
  const { readFile, writeFile } = await import('node:fs/promises');
  await writeFile(`/proc/${pid}/clear_refs`, '5').catch(() => undefined);
  let peak = 0;
  let done = false;
  void during.finally(() => (done = true));
  while (!done) {
    try {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const kb = Math.max(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0), Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0));
      peak = Math.max(peak, kb * 1024);
    } catch {
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return peak;
}
