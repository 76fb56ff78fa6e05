import type { ComponentDefinition } from '../index.js';
import { optionTable } from './option-table.js';

/** The markers a README keeps its generated option table between. */
export const OPTIONS_START = '<!-- options:start -->';
export const OPTIONS_END = '<!-- options:end -->';

/** Told to exporter readers: the options every exporter takes from the host, which its own schema does not hold. */
const HOST_DELIVERY_NOTE =
  'Ferry adds its delivery options to every exporter (`batchSize`, `maxBatchBytes`, `flushIntervalMs`, `timeoutMs`, `maxInFlight`, `retry`, `queue`): see the config reference in Ferry\'s README.';

/** The options section of a plugin's README: its option table, and for an exporter a word on the host's delivery options. */
export function pluginOptionsSection(definition: ComponentDefinition): string {
  const table = optionTable(definition.configSchema);
  return definition.kind === 'exporter' ? `${table}\n\n${HOST_DELIVERY_NOTE}` : table;
}

/** The README text with `section` between the option markers; throws when the markers are missing. */
export function withOptionsSection(readme: string, section: string): string {
  const from = readme.indexOf(OPTIONS_START);
  const to = readme.indexOf(OPTIONS_END);
  if (from === -1 || to === -1 || to < from) throw new Error(`the README has no ${OPTIONS_START} … ${OPTIONS_END} markers to write the option table between`);
  return `${readme.slice(0, from + OPTIONS_START.length)}\n${section.trim()}\n${readme.slice(to)}`;
}

/** What stands between the option markers now ('' when there are none). */
export function currentOptionsSection(readme: string): string {
  const from = readme.indexOf(OPTIONS_START);
  const to = readme.indexOf(OPTIONS_END);
  return from === -1 || to < from ? '' : readme.slice(from + OPTIONS_START.length, to).trim();
}
