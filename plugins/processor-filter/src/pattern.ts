// `\Z` is PCRE's end anchor; JavaScript reads it as a plain "Z", so a pattern copied from
// elsewhere would silently match something else.
const PCRE_END_ANCHOR = /[^\\]\\Z/;

/** Compiles a `matches` pattern, or says in words why it is not one. */
export function compilePattern(source: string): { regex: RegExp } | { problem: string } {
  if (PCRE_END_ANCHOR.test(source)) return { problem: '\\Z is not a JavaScript anchor; use $' };
  try {
    return { regex: new RegExp(source) };
  } catch (error) {
    return { problem: (error as Error).message };
  }
}
