import { ConfigError } from '@ferry/sdk';
import type { MatcherConfig } from './config.js';
import { compileCondition, type EventPredicate } from './condition.js';
import { compileTypeGlobs } from './glob.js';

/** An `include` or `exclude` matcher: its type globs (if any) and all its conditions (if any). */
export function compileMatcher(matcher: MatcherConfig, optionPath: string): EventPredicate {
  if (matcher.types === undefined && matcher.where === undefined) {
    // It would match every event: as an exclude it would drop them all.
    throw new ConfigError(`${optionPath}: give \`types\`, \`where\` or both`);
  }
  const types = matcher.types === undefined ? undefined : compileTypeGlobs(matcher.types, `${optionPath}.types`);
  const conditions = (matcher.where ?? []).map((condition, i) => compileCondition(condition, `${optionPath}.where[${i}]`));
  return (event) => {
    if (types !== undefined && !types.test(event.type)) return false;
    for (let i = 0; i < conditions.length; i++) if (!(conditions[i] as EventPredicate)(event)) return false;
    return true;
  };
}
