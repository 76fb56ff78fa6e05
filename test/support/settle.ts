/**
 * Polls `count` until it reaches `target`, stops growing for `quietMs`, or `timeoutMs`
 * passes, and returns the last count. It decides nothing: at volume, a destination that
 * will never be complete should end in a tally of what is missing (which ids, in which
 * runs), not in a bare "timed out".
 */
export async function settle(count: () => number | Promise<number>, target: number, options: { quietMs?: number; timeoutMs?: number } = {}): Promise<number> {
  const quietMs = options.quietMs ?? 10_000;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let last = -1;
  let changedAt = Date.now();
  for (;;) {
    const now = await count();
    if (now >= target) return now;
    if (now !== last) {
      last = now;
      changedAt = Date.now();
    }
    if (Date.now() - changedAt > quietMs || Date.now() > deadline) return now;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
