/**
 * Something wrong with a component's options that its schema cannot say: a pattern that
 * does not compile, options that only work together. A definition's `validate` returns
 * them; the host reports each under the component's place in the config
 * (`processors.redact.rules[0].remove[1]: …`), with the code `FERRY_CONFIG_VALUE`.
 */
export interface ConfigProblem {
  /**
   * Where, from the top of the component's options: `secret`, `rules[0].remove[1]`,
   * `include.where[0].matches`; `''` for the options as a whole.
   */
  readonly path: string;
  /** What is wrong, in plain words, never quoting a secret: `"data" is part of every event and cannot be redacted whole`. */
  readonly problem: string;
  /** What to do about it, when that helps: `name a field inside it (such as "data.ip")`. */
  readonly hint?: string;
}

/** `rules[0]` + `remove` → `rules[0].remove`; `rules` + 0 → `rules[0]`: paths the way problems print them. */
export function optionPath(...segments: ReadonlyArray<string | number>): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (segment !== '') out += out === '' || segment.startsWith('[') ? segment : `.${segment}`;
  }
  return out;
}
