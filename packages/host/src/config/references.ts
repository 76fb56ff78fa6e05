import type { ComponentKind } from '@ferry/sdk';
import type { ConfigIssue } from './issue.js';
import { joinPath } from './issue.js';
import { suggestion } from './validate.js';
import { SECTIONS } from './schema.js';

type Sections = Record<'receivers' | 'processors' | 'exporters', Record<string, unknown>>;
type Pipelines = Record<string, { receivers?: string[]; processors?: string[]; exporters?: string[] }>;

/**
 * Checks what a schema cannot: every id a pipeline names is configured in the right
 * section. Returns issues, and warnings for configured components no pipeline uses.
 */
export function referenceIssues(config: Sections & { service: { pipelines: Pipelines } }): { issues: ConfigIssue[]; warnings: string[] } {
  const issues: ConfigIssue[] = [];
  const used = new Set<string>();
  for (const [name, pipeline] of Object.entries(config.service.pipelines)) {
    for (const { section, kind } of SECTIONS) {
      const ids = pipeline[section] ?? [];
      ids.forEach((id, index) => {
        const path = joinPath(['service', 'pipelines', name, section, index]);
        used.add(`${section}:${id}`);
        if (Object.hasOwn(config[section], id)) return;
        const elsewhere = SECTIONS.find((s) => s.section !== section && Object.hasOwn(config[s.section], id));
        issues.push({
          path,
          code: 'FERRY_CONFIG_REFERENCE',
          problem: `"${id}" is not a configured ${kind}`,
          hint: elsewhere ? `"${id}" is configured under ${elsewhere.section}; list it in the pipeline's ${elsewhere.section}` : hintFor(id, Object.keys(config[section]), kind),
        });
      });
    }
  }
  const warnings: string[] = [];
  for (const { section, kind } of SECTIONS) {
    for (const id of Object.keys(config[section])) {
      if (!used.has(`${section}:${id}`)) warnings.push(`${section}.${id}: configured but used by no pipeline, so the ${kind} is not started`);
    }
  }
  return { issues, warnings };
}

function hintFor(id: string, configured: string[], kind: ComponentKind): string {
  const guess = suggestion(id, configured);
  if (guess) return guess;
  return configured.length > 0 ? `configured ${kind}s: ${configured.map((c) => `"${c}"`).join(', ')}` : `no ${kind}s are configured`;
}
