interface Step {
  readonly key: string;
  /** The key as an array index, or -1 when it is not one. */
  readonly index: number;
}

/** A dotted field path, split and parsed once at create. */
export type FieldPath = readonly Step[];

export function parseFieldPath(path: string): FieldPath {
  return path.split('.').map((key) => ({ key, index: /^(0|[1-9]\d*)$/.test(key) ? Number(key) : -1 }));
}

/**
 * The value at `path`, or undefined when any step is missing. Walks objects by their own
 * keys (never inherited ones such as `constructor`) and arrays by numeric index.
 */
export function resolveField(root: unknown, path: FieldPath): unknown {
  let value = root;
  for (let i = 0; i < path.length; i++) {
    if (typeof value !== 'object' || value === null) return undefined;
    const step = path[i] as Step;
    if (Array.isArray(value)) {
      if (step.index < 0) return undefined;
      value = value[step.index];
    } else {
      if (!Object.hasOwn(value, step.key)) return undefined;
      value = (value as Record<string, unknown>)[step.key];
    }
  }
  return value;
}
