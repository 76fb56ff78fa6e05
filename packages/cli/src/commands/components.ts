import { formatIssue, loadPlugins } from '@ferry/host';
import { EXIT } from '../exit-codes.js';
import { pluginSearchPath } from '../plugins.js';

interface Row {
  kind: string;
  type: string;
  package: string;
  version: string;
  stability: string;
  description: string;
}

/** `ferry components`: every installed receiver, processor and exporter. */
export async function components(options: { json?: boolean }): Promise<number> {
  const { registry, issues, warnings } = await loadPlugins({ baseDirectory: process.cwd(), discoverFrom: pluginSearchPath() });
  const rows: Row[] = registry.list().map(({ definition, origin }) => ({
    kind: definition.kind,
    type: definition.type,
    package: origin.packageName,
    version: origin.version,
    stability: definition.stability,
    description: definition.description,
  }));
  if (options.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  } else {
    const headers: Row = { kind: 'KIND', type: 'TYPE', package: 'PACKAGE', version: 'VERSION', stability: 'STABILITY', description: 'DESCRIPTION' };
    const columns = ['kind', 'type', 'package', 'version', 'stability'] as const;
    const width = Object.fromEntries(columns.map((c) => [c, Math.max(...[headers, ...rows].map((r) => r[c].length))])) as Record<(typeof columns)[number], number>;
    for (const row of [headers, ...rows]) {
      process.stdout.write(`${columns.map((c) => row[c].padEnd(width[c])).join('  ')}  ${row.description}\n`);
    }
  }
  for (const issue of [...issues, ...warnings]) process.stderr.write(`ferry: warning: ${formatIssue(issue)}\n`);
  return EXIT.ok;
}
