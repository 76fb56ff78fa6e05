import picomatch from 'picomatch';

/**
 * Glob rules for dotted event types. `*` matches any run of characters, dots included
 * (event types have no `/`, the only character picomatch's `*` stops at); `?` one
 * character; `{a,b}` alternatives; `[ab]` a class. Extglobs and a leading `!` are
 * literal text, so a pattern never means "everything except" by accident: use `exclude`.
 */
const OPTIONS: picomatch.PicomatchOptions = { dot: true, nonegate: true, noextglob: true, strictBrackets: true, windows: false };

/** Why a glob does not compile, if it does not. */
export function globProblem(pattern: string): string | undefined {
  try {
    picomatch.makeRe(pattern, OPTIONS);
    return undefined;
  } catch (error) {
    return `${JSON.stringify(pattern)} is not a valid glob: ${(error as Error).message}`;
  }
}

/** One anchored regular expression matching any of the globs (each checked by `validate`), built once. */
export function compileTypeGlobs(patterns: readonly string[]): RegExp {
  // Each source is anchored (^…$), so their alternation matches when one glob does.
  return new RegExp(patterns.map((pattern) => `(?:${picomatch.makeRe(pattern, OPTIONS).source})`).join('|'));
}
