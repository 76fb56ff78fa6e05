import type { MatcherConfig } from './config.js';
import { compileCondition, type EventPredicate } from './condition.js';
import { compileTypeGlobs } from './glob.js';

/** An `include` or `exclude` matcher: its type globs (if any) and all its conditions (if any). */
export function compileMatcher(matcher: MatcherConfig): EventPredicate {
  const types = matcher.types === undefined ? undefined : compileTypeGlobs(matcher.types);
  const conditions = (matcher.where ?? []).map(compileCondition);
  return (event) => {
    if (types !== undefined && !types.test(event.type)) return false;
    for (let i = 0; i < conditions.length; i++) if (!(conditions[i] as EventPredicate)(event)) return false;
    return true;
  };
}
