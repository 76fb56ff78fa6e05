import type { ConfigProblem } from '@ferry/sdk';

/** The event's own envelope: redacting one of these whole would make it no event at all. */
const PROTECTED = new Set(['id', 'type', 'createdAt', 'data']);

/** Why a configured field path cannot be redacted, if it cannot (the schema has checked its form). */
export function pathProblem(path: string): Omit<ConfigProblem, 'path'> | undefined {
  const segments = path.split('.');
  if (segments.length === 1 && PROTECTED.has(path)) {
    return { problem: `"${path}" is part of every event and cannot be redacted whole`, hint: 'name a field inside it (such as "data.ip")' };
  }
  if (segments[0] === 'ferry') return { problem: `"${path}" is Ferry's own envelope (the integrity link), not event data` };
  return undefined;
}

/** A configured field path as its segments (`validate` has refused the ones that cannot be redacted). */
export function parsePath(path: string): readonly string[] {
  return path.split('.');
}

type Node = Record<string, unknown>;

const isObject = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Applies `change` to the field at `path` under `node`, copying only the objects and
 * arrays along the way (structural sharing: the input is never mutated). Returns the new
 * node, or the same node when the path is absent.
 */
export function changeAt(node: unknown, path: readonly string[], at: number, change: (value: unknown) => unknown | typeof REMOVE): unknown {
  if (Array.isArray(node)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < node.length; i++) {
      const next = changeAt(node[i], path, at, change);
      if (next !== node[i]) {
        copy ??= node.slice();
        copy[i] = next;
      }
    }
    return copy ?? node;
  }
  if (!isObject(node)) return node;
  const key = path[at] as string;
  if (!Object.hasOwn(node, key)) return node;
  const value = node[key];
  if (at === path.length - 1) {
    const replaced = change(value);
    if (replaced === REMOVE) {
      const { [key]: _removed, ...rest } = node;
      return rest;
    }
    return replaced === value ? node : { ...node, [key]: replaced };
  }
  const next = changeAt(value, path, at + 1, change);
  return next === value ? node : { ...node, [key]: next };
}

/** Returned by a change to remove the field. */
export const REMOVE: unique symbol = Symbol('remove');
