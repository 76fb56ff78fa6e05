import type { FerryEvent } from '@ferry/sdk';

/** What identifies an event: a string (numbers are turned into their text), or undefined when absent. */
export type KeyOf = (event: FerryEvent) => string | undefined;

function identity(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return typeof value === 'number' ? String(value) : undefined;
}

/** Builds the accessor for a dotted field path once, so that `process` only follows it. */
export function keyAccessor(path: string): KeyOf {
  const steps = path.split('.');
  if (steps.length === 1) {
    const field = steps[0] as string;
    return (event) => identity(event[field]);
  }
  return (event) => {
    let value: unknown = event;
    for (const step of steps) {
      if (typeof value !== 'object' || value === null) return undefined;
      value = (value as Record<string, unknown>)[step];
    }
    return identity(value);
  };
}
