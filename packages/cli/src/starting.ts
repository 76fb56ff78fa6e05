import { readdir } from 'node:fs/promises';
import type { ResolvedConfig } from '@ferry/host';
import { formatCount } from './format.js';
import { archiveOf, type ExporterFigures } from './summary.js';

/** Whether a storage directory already holds something (a log, cursors, dead letters) from an earlier run. */
export async function hadStoredData(directory: string): Promise<boolean> {
  try {
    return (await readdir(directory)).length > 0;
  } catch {
    return false;
  }
}

/**
 * The line that says what this run starts from: new or resumed storage (with what was left
 * queued for each exporter), and the absolute paths of the storage and the archives.
 */
export function startingReport(config: ResolvedConfig, resumed: boolean, exporters: readonly Pick<ExporterFigures, 'pipeline' | 'exporter' | 'queued'>[]): { text: string; fields: Record<string, unknown> } {
  const archives = [...new Set(exporters.map((e) => archiveOf(e.exporter, config)).filter((a) => a !== undefined))];
  const archiveText = archives.length === 0 ? '' : `; archive ${archives.join(', ')}`;
  const fields = { storage: config.storage?.directory ?? null, resumed, queued: Object.fromEntries(exporters.map((e) => [`${e.pipeline}/${e.exporter}`, e.queued])), archives };
  if (config.storage === undefined) return { text: `no storage: events are kept in memory only${archiveText}`, fields };
  if (!resumed) return { text: `storage: new, in ${config.storage.directory}${archiveText}`, fields };
  const queued = exporters.filter((e) => e.queued > 0);
  const left = queued.length === 0 ? 'nothing was left queued' : `queued from the last run: ${queued.map((e) => `${formatCount(e.queued)} for ${e.exporter}`).join(', ')}`;
  return { text: `storage: resumed ${config.storage.directory} — ${left}${archiveText}`, fields };
}
