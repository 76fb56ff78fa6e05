import { optionPath, type ConfigProblem } from '@ferry/sdk';
import type { RedactConfig } from './config.js';
import { pathProblem } from './paths.js';
import { globProblem } from './types.js';

/** What the schema cannot say about a redact config: globs that compile, paths that can be redacted, a key when hashing. */
export function validateRedact(config: Readonly<RedactConfig>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  config.rules.forEach((rule, r) => {
    if (rule.remove.length === 0 && rule.hash.length === 0) problems.push({ path: optionPath('rules', r), problem: 'names no field to remove or hash' });
    rule.types.forEach((pattern, i) => {
      const problem = globProblem(pattern);
      if (problem !== undefined) problems.push({ path: optionPath('rules', r, 'types', i), problem });
    });
    for (const list of ['hash', 'remove'] as const) {
      rule[list].forEach((path, i) => {
        const problem = pathProblem(path);
        if (problem !== undefined) problems.push({ path: optionPath('rules', r, list, i), ...problem });
      });
    }
  });
  if (config.secret === undefined && config.rules.some((rule) => rule.hash.length > 0)) {
    problems.push({ path: 'secret', problem: 'required when a rule hashes fields', hint: 'set secret (16 characters or more), for example "${env:FERRY_REDACT_SECRET}"' });
  }
  return problems;
}
