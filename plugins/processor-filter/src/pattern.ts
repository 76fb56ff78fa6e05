// The host validates `format: "regex"` with ajv-formats, which refuses `\Z` (a PCRE anchor
// JavaScript reads as a plain "Z") and otherwise accepts what `new RegExp` compiles without
// flags. Compiling the same way here keeps `ferry validate` and create in agreement.
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
