import type { ComponentFigures, Figures } from '@ferry/host';
import { formatCount } from './format.js';

/** What a component's main figure is: what it took in (receivers), dropped (processors) or delivered (exporters). */
function throughput(c: ComponentFigures): number {
  return c.kind === 'receiver' ? c.counts.accepted : c.kind === 'processor' ? c.counts.filtered : c.counts.sent;
}

function key(c: ComponentFigures): string {
  return `${c.kind}:${c.id}:${c.pipeline ?? ''}`;
}

function duration(seconds: number): string {
  if (seconds < 1) return seconds === 0 ? '0s' : `${Math.round(seconds * 1000)}ms`;
  if (seconds < 120) return `${seconds.toFixed(1)}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

/** The lag, marked when it is a bound rather than exact (see the README: the lag gauge). */
function lag(c: ComponentFigures): string {
  const queue = c.queue;
  if (queue === undefined) return '';
  const mark = queue.lagKnown === 'since-start' ? '≥' : queue.lagKnown === 'batch-before' ? '≤' : '';
  return `${mark}${duration(queue.lagSeconds)}`;
}

function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

const COLUMNS = ['COMPONENT', 'PIPELINE', 'STATUS', 'EVENTS', 'EVENTS/S', 'QUEUED', 'LAG', 'RETRIED', 'DEAD-LETTERED', 'LOST', 'FAILED ATTEMPTS'] as const;
const RIGHT = new Set<string>(['EVENTS', 'EVENTS/S', 'QUEUED', 'LAG', 'RETRIED', 'DEAD-LETTERED', 'LOST', 'FAILED ATTEMPTS']);

/**
 * One screen of `ferry top`: a header with the collector's status, a row per component
 * (events taken in, dropped or delivered, and their rate since the previous screen; each
 * exporter's queue, lag, retries, dead letters and losses), and each pipeline's log.
 */
export function renderTop(now: Figures, before: Figures | undefined, where: string, width: number): string[] {
  const elapsed = before === undefined ? 0 : (Date.parse(now.at) - Date.parse(before.at)) / 1000;
  const previous = new Map((before?.components ?? []).map((c) => [key(c), c]));
  const rows = now.components.map((c) => {
    const last = previous.get(key(c));
    const rate = last === undefined || elapsed <= 0 ? undefined : (throughput(c) - throughput(last)) / elapsed;
    const exporter = c.kind === 'exporter';
    return [
      `${c.kind}:${c.id}`,
      c.pipeline ?? '*',
      c.status,
      `${formatCount(throughput(c))}${c.kind === 'processor' ? ' dropped' : c.kind === 'exporter' ? ' sent' : ' in'}`,
      rate === undefined ? '…' : formatCount(Math.round(rate)),
      exporter ? formatCount(c.queue?.events ?? 0) : '',
      exporter ? lag(c) : '',
      exporter ? formatCount(c.counts.retried) : '',
      exporter ? formatCount(c.counts.deadLettered) : '',
      exporter ? formatCount(c.counts.lost) : '',
      exporter ? formatCount(c.counts.failedAttempts) : '',
    ];
  });
  const widths = COLUMNS.map((title, i) => Math.max(title.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (RIGHT.has(COLUMNS[i] as string) ? cell.padStart(widths[i] as number) : cell.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  const up = duration((Date.parse(now.at) - Date.parse(now.startedAt)) / 1000);
  const status = now.status.status + (now.status.healthy ? '' : ' (unhealthy)');
  const out = [`⛴  ferry ${now.version} at ${where} · ${status} · up ${up}`, ''];
  if (now.status.error !== undefined) out.push(`   ${now.status.error}`, '');
  out.push(line(COLUMNS), ...rows.map(line), '');
  for (const p of now.pipelines) {
    if (p.log === undefined) continue;
    const problem = p.log.blocked ?? (p.log.full ? 'full: receivers pushed back' : '');
    out.push(`log of pipeline ${p.name}: ${bytes(p.log.retainedBytes)} of ${bytes(p.log.capacityBytes)}${problem ? ` — ${problem}` : ''}`);
  }
  return out.map((text) => (text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text));
}
