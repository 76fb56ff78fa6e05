import type { ResolvedConfig } from '@ferry/host';
import { formatCount } from './format.js';

/** What one exporter did in one pipeline this run, as `Collector.snapshot()` counts it. */
export interface ExporterFigures {
  readonly pipeline: string;
  readonly exporter: string;
  /** Delivered this run. */
  readonly sent: number;
  /** Dead-lettered this run. */
  readonly failed: number;
  /** Accepted but not yet delivered or dead-lettered. */
  readonly queued: number;
  /** Passed because damage in the durable log destroyed them (each range logged at error level). */
  readonly lost: number;
}

/**
 * Where an exporter's archive can be read back, for `ferry verify`: the file exporter's
 * absolute directory, or the s3 exporter's `s3://bucket/prefix`.
 */
export function archiveOf(id: string, config: ResolvedConfig): string | undefined {
  const options = config.exporters[id] ?? {};
  const type = id.split('/')[0];
  if (type === 'file' && typeof options.directory === 'string') return options.directory;
  if (type === 's3' && typeof options.bucket === 'string') return `s3://${options.bucket}/${typeof options.prefix === 'string' ? options.prefix : ''}`;
  return undefined;
}

/**
 * The closing summary: for each exporter, where every event it was given ended —
 * delivered, still queued, or dead-lettered — and where its archive is. One line per
 * exporter, so a new outcome (events lost to a damaged log) is one more term here.
 */
export function closingSummary(exporters: readonly ExporterFigures[], config: ResolvedConfig): { text: string; fields: Record<string, unknown> } {
  const durable = config.storage !== undefined;
  const lines = exporters.map((e) => {
    const archive = archiveOf(e.exporter, config);
    const terms = [`${formatCount(e.sent)} delivered`, `${formatCount(e.queued)} ${durable ? 'queued for the next start' : 'undelivered'}`, `${formatCount(e.failed)} dead-lettered`];
    if (e.lost > 0) terms.push(`${formatCount(e.lost)} lost to damage in the log`);
    return `  ${e.exporter} (pipeline ${e.pipeline}): ${terms.join(', ')}${archive === undefined ? '' : `; archive ${archive}`}`;
  });
  return {
    text: `this run:\n${lines.join('\n')}`,
    fields: { summary: exporters.map((e) => ({ pipeline: e.pipeline, exporter: e.exporter, delivered: e.sent, queued: e.queued, deadLettered: e.failed, lost: e.lost, archive: archiveOf(e.exporter, config) })) },
  };
}
