import picomatch from 'picomatch';

// The filter processor's glob rules, so a pattern means the same in both.
const GLOB_OPTIONS: picomatch.PicomatchOptions = { dot: true, nonegate: true, noextglob: true, strictBrackets: true, windows: false };

/** Why a type glob does not compile, if it does not. */
export function globProblem(pattern: string): string | undefined {
  try {
    picomatch.makeRe(pattern, GLOB_OPTIONS);
    return undefined;
  } catch (error) {
    return `${JSON.stringify(pattern)} is not a valid glob: ${(error as Error).message}`;
  }
}

/** One regular expression matching a type any of the globs matches (each was checked by `validate`). */
export function compileTypes(patterns: readonly string[]): RegExp {
  return new RegExp(patterns.map((pattern) => `(?:${picomatch.makeRe(pattern, GLOB_OPTIONS).source})`).join('|'));
}
