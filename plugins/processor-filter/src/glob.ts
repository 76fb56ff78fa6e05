import picomatch from 'picomatch';
import { ConfigError } from '@ferry/sdk';

/**
 * Glob rules for dotted event types. `*` matches any run of characters, dots included
 * (event types have no `/`, the only character picomatch's `*` stops at); `?` one
 * character; `{a,b}` alternatives; `[ab]` a class. Extglobs and a leading `!` are
 * literal text, so a pattern never means "everything except" by accident: use `exclude`.
 */
const OPTIONS: picomatch.PicomatchOptions = { dot: true, nonegate: true, noextglob: true, strictBrackets: true, windows: false };

/** One anchored regular expression matching any of the globs, built once. */
export function compileTypeGlobs(patterns: readonly string[], optionPath: string): RegExp {
  const sources = patterns.map((pattern, i) => {
    try {
      return picomatch.makeRe(pattern, OPTIONS).source;
    } catch (error) {
      throw new ConfigError(`${optionPath}[${i}]: ${JSON.stringify(pattern)} is not a valid glob: ${(error as Error).message}`);
    }
  });
  // Each source is anchored (^…$), so their alternation matches when one glob does.
  return new RegExp(sources.map((s) => `(?:${s})`).join('|'));
}
