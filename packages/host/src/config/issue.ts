/**
 * One problem with a config, in the form every config error takes:
 * `<path>: <problem> — expected <what>, found <what>` (expected/found when they help).
 */
export interface ConfigIssue {
  /** Dotted path into the config (`exporters.s3.bucket`, `service.pipelines.events.exporters[1]`); '' for the file itself. */
  readonly path: string;
  readonly problem: string;
  readonly expected?: string;
  readonly found?: string;
  readonly hint?: string;
  /** Stable code, listed in the README's error table. */
  readonly code: ConfigIssueCode;
}

export type ConfigIssueCode =
  | 'FERRY_CONFIG_READ'
  | 'FERRY_CONFIG_JSON'
  | 'FERRY_CONFIG_ENV'
  | 'FERRY_CONFIG_SCHEMA'
  | 'FERRY_CONFIG_UNKNOWN_TYPE'
  | 'FERRY_CONFIG_REFERENCE'
  | 'FERRY_CONFIG_VALUE'
  | 'FERRY_CONFIG_PLUGIN';

export function formatIssue(issue: ConfigIssue): string {
  let text = `${issue.path || '(config)'}: ${issue.problem}`;
  const parts: string[] = [];
  if (issue.expected !== undefined) parts.push(`expected ${issue.expected}`);
  if (issue.found !== undefined) parts.push(`found ${issue.found}`);
  if (parts.length > 0) text += ` — ${parts.join(', ')}`;
  if (issue.hint !== undefined) text += parts.length > 0 ? `; ${issue.hint}` : ` — ${issue.hint}`;
  return text;
}

/** Thrown when a config cannot be used; carries every issue at once. */
export class ConfigInvalidError extends Error {
  override readonly name = 'ConfigInvalidError';
  readonly issues: readonly ConfigIssue[];
  /** Absolute path of the config file. */
  readonly source: string;
  constructor(source: string, issues: readonly ConfigIssue[]) {
    super(`${source}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
    this.issues = issues;
    this.source = source;
  }
}

/** Joins path segments the way issues print them: `a.b[2].c`, keeping `type/name` ids readable. */
export function joinPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out.length === 0 ? segment : `.${segment}`;
  }
  return out;
}
