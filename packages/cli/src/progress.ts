import type { Collector, Terminal } from '@ferry/host';
import type { Logger } from '@ferry/sdk';
import { formatCount } from './format.js';

/**
 * Shows events flowing: a live line on a terminal, redrawn twice a second; without one, a
 * `progress` log line every 30 s.
 */
export function startProgress(collector: Collector, terminal: Terminal, logger: Logger, mode: 'auto' | 'always' | 'never'): () => void {
  if (mode === 'never') return () => {};
  const live = mode === 'always' || terminal.isTTY;
  let last = { at: Date.now(), received: 0 };
  const render = () => {
    const snapshot = collector.snapshot();
    const now = Date.now();
    const rate = ((snapshot.received - last.received) * 1000) / Math.max(1, now - last.at);
    last = { at: now, received: snapshot.received };
    const exporters = new Map<string, { sent: number; queued: number; failed: number; lost: number }>();
    for (const e of snapshot.exporters) {
      const sum = exporters.get(e.exporter) ?? { sent: 0, queued: 0, failed: 0, lost: 0 };
      exporters.set(e.exporter, { sent: sum.sent + e.sent, queued: sum.queued + e.queued, failed: sum.failed + e.failed, lost: sum.lost + e.lost });
    }
    const parts = [`received ${formatCount(snapshot.received)} (${formatCount(Math.round(rate))}/s)`];
    if (snapshot.filtered > 0) parts.push(`filtered ${formatCount(snapshot.filtered)}`);
    for (const [id, e] of exporters) {
      const terms = [`sent ${formatCount(e.sent)}`];
      if (e.queued > 0) terms.push(`queued ${formatCount(e.queued)}`);
      if (e.failed > 0) terms.push(`dead-lettered ${formatCount(e.failed)}`);
      if (e.lost > 0) terms.push(`lost to damage ${formatCount(e.lost)}`);
      parts.push(`${id}: ${terms.join(', ')}`);
    }
    return parts;
  };
  const timer = live
    ? setInterval(() => terminal.status(`⛴  ${render().join(' │ ')}`), 500)
    : setInterval(() => logger.info(`progress: ${render().join('; ')}`), 30_000);
  timer.unref();
  return () => {
    clearInterval(timer);
    terminal.clearStatus();
  };
}
