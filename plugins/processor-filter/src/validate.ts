import { optionPath, type ConfigProblem } from '@ferry/sdk';
import type { FilterConfig, MatcherConfig } from './config.js';
import { globProblem } from './glob.js';
import { compilePattern } from './pattern.js';

function matcherProblems(matcher: MatcherConfig, at: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  (matcher.types ?? []).forEach((pattern, i) => {
    const problem = globProblem(pattern);
    if (problem !== undefined) problems.push({ path: optionPath(at, 'types', i), problem });
  });
  (matcher.where ?? []).forEach((condition, i) => {
    if (condition.matches === undefined) return;
    const compiled = compilePattern(condition.matches);
    if ('problem' in compiled) {
      problems.push({ path: optionPath(at, 'where', i, 'matches'), problem: `${JSON.stringify(condition.matches)} is not a valid regular expression: ${compiled.problem}` });
    }
  });
  return problems;
}

/** What the schema cannot say about a filter config: every type glob and every `matches` pattern compiles. */
export function validateFilter(config: Readonly<FilterConfig>): ConfigProblem[] {
  return [
    ...(config.include === undefined ? [] : matcherProblems(config.include, 'include')),
    ...(config.exclude === undefined ? [] : matcherProblems(config.exclude, 'exclude')),
  ];
}
