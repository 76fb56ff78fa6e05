import type { ConfigIssue } from './issue.js';
import { joinPath } from './issue.js';

// ${env:NAME} or ${env:NAME:-default}; `$${` is a literal `${`.
const REFERENCE = /\$(\$)?\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const MALFORMED = /\$\{(?!env:[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\})[^}]*\}/;

const NOT_SET = 'is not set';

/** An issue about a variable that is not set (rather than a malformed reference). */
export function isUnsetVariable(issue: ConfigIssue): boolean {
  return issue.code === 'FERRY_CONFIG_ENV' && issue.problem.endsWith(NOT_SET);
}

/**
 * Replaces environment references in every string of the config, before validation.
 * A missing variable without a default is an issue naming the variable and where it is used.
 */
export function substituteEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  issues: ConfigIssue[],
  path: (string | number)[] = [],
): unknown {
  if (typeof value === 'string') return substituteString(value, env, issues, path);
  if (Array.isArray(value)) return value.map((item, index) => substituteEnv(item, env, issues, [...path, index]));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) out[key] = substituteEnv(child, env, issues, [...path, key]);
    return out;
  }
  return value;
}

function substituteString(text: string, env: NodeJS.ProcessEnv, issues: ConfigIssue[], path: (string | number)[]): string {
  if (!text.includes('${')) return text;
  const malformed = MALFORMED.exec(text.replace(/\$\$\{/g, ''));
  if (malformed) {
    issues.push({
      path: joinPath(path),
      code: 'FERRY_CONFIG_ENV',
      problem: `malformed reference ${malformed[0]}`,
      expected: '${env:NAME} or ${env:NAME:-default}',
    });
    return text;
  }
  return text.replace(REFERENCE, (whole, escaped: string | undefined, name: string, fallback: string | undefined) => {
    if (escaped) return whole.slice(1);
    const found = env[name];
    // Like the shell's `:-`, an empty variable takes the default when one is given.
    if (found !== undefined && (found !== '' || fallback === undefined)) return found;
    if (fallback !== undefined) return fallback;
    issues.push({
      path: joinPath(path),
      code: 'FERRY_CONFIG_ENV',
      problem: `environment variable ${name} ${NOT_SET}`,
      hint: `set ${name}, or give a default with \${env:${name}:-value}`,
    });
    return whole;
  });
}
