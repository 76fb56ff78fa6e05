/**
 * Generates the option tables in every plugin's README and the config reference in the
 * root README from the schemas (the single source of truth). `--check` fails instead of
 * writing when a file is out of date (the test suite runs it).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exporterSchema, loadPlugins, metricCatalogue } from '@ferry/host';
import type { ComponentDefinition } from '@ferry/sdk';
import { pluginOptionsSection, withOptionsSection } from '@ferry/sdk/docs';
import { hostSections, optionTable } from './docs/tables.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const START = '<!-- options:start -->';
const END = '<!-- options:end -->';
const REFERENCE_START = '<!-- config-reference:start -->';
const REFERENCE_END = '<!-- config-reference:end -->';

function schemaOf(definition: ComponentDefinition): object {
  return definition.kind === 'exporter' ? exporterSchema(definition) : definition.configSchema;
}

function replaceBetween(text: string, start: string, end: string, body: string, file: string): string {
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to === -1 || to < from) throw new Error(`${file}: missing ${start} … ${end} markers`);
  return `${text.slice(0, from + start.length)}\n${body.trim()}\n${text.slice(to)}`;
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const { registry, issues, warnings } = await loadPlugins({ baseDirectory: ROOT, discoverFrom: [join(ROOT, 'packages', 'cli')] });
  const problems = [...issues, ...warnings];
  if (problems.length > 0) throw new Error(problems.map((p) => p.problem).join('\n'));
  const stale: string[] = [];
  const update = async (file: string, next: (text: string) => string) => {
    const text = await readFile(file, 'utf8');
    const updated = next(text);
    if (updated === text) return;
    if (check) stale.push(relative(ROOT, file));
    else await writeFile(file, updated);
  };

  const components = registry.list();
  for (const { definition, origin } of components) {
    if (!origin.module.startsWith(join(ROOT, 'plugins'))) continue;
    const readme = join(dirname(dirname(origin.module)), 'README.md');
    await update(readme, (text) => replaceBetween(text, START, END, optionTable(schemaOf(definition)), readme));
  }

  // The plugin templates (`ferry new`): their READMEs carry the table their own test checks, made the way ferry-plugin-readme makes it.
  for (const kind of ['receiver', 'processor', 'exporter']) {
    const template = join(ROOT, 'packages', 'create-ferry-plugin', 'templates', kind);
    const { default: definition } = (await import(join(template, 'src', 'index.ts'))) as { default: ComponentDefinition };
    await update(join(template, 'README.md'), (text) => withOptionsSection(text, pluginOptionsSection(definition)));
  }

  const reference = [
    ...hostSections(),
    ...components.map(
      ({ definition, origin }) =>
        `### ${definition.kind} \`${definition.type}\` (${origin.packageName})\n\n${definition.description}${
          definition.kind === 'exporter' ? ' Exporters also take the host\'s delivery options (`batchSize`, `maxBatchBytes`, `flushIntervalMs`, `timeoutMs`, `maxInFlight`, `retry`, `queue`), listed with their defaults for this exporter.' : ''
        }\n\n${optionTable(schemaOf(definition))}`,
    ),
  ].join('\n\n');
  // The README's plugin snippets are files the test suite runs, copied in as they are.
  const snippets = [
    { marker: 'custom-exporter', file: 'test/custom-exporter/http-ndjson-exporter.ts', lang: 'ts' },
    { marker: 'custom-exporter-config', file: 'test/custom-exporter/collector.config.json', lang: 'json' },
    { marker: 'custom-exporter-conformance', file: 'test/custom-exporter/http-ndjson-exporter.conformance.test.ts', lang: 'ts' },
  ];
  const snippetTexts = await Promise.all(snippets.map((s) => readFile(join(ROOT, s.file), 'utf8')));
  // Every metric /metrics serves, from the catalogue its instruments are made from.
  const metrics = [
    '| Metric | Type | Labels | Meaning |',
    '| --- | --- | --- | --- |',
    ...metricCatalogue().map((m) => `| \`${m.name}\` | ${m.type} | ${m.labels.map((l) => `\`${l}\``).join(', ')} | ${m.help.replace(/\|/g, '\\|')} |`),
  ].join('\n');
  await update(join(ROOT, 'README.md'), (text) =>
    snippets.reduce(
      (current, s, i) => replaceBetween(current, `<!-- ${s.marker}:start -->`, `<!-- ${s.marker}:end -->`, `\`\`\`${s.lang}\n${(snippetTexts[i] ?? '').trim()}\n\`\`\``, 'README.md'),
      replaceBetween(replaceBetween(text, REFERENCE_START, REFERENCE_END, reference, 'README.md'), '<!-- metrics:start -->', '<!-- metrics:end -->', metrics, 'README.md'),
    ),
  );

  if (stale.length > 0) {
    process.stderr.write(`generated docs are out of date (run \`pnpm run docs\`): ${stale.join(', ')}\n`);
    process.exitCode = 1;
  }
}

await main();
