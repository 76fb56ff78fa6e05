import { createHmac } from 'node:crypto';
import picomatch from 'picomatch';
import { ConfigError, type FerryEvent, type JsonValue, type Processor, type ProcessorContext } from '@ferry/sdk';
import type { RedactConfig } from './config.js';

interface CompiledRule {
  readonly matches: (type: string) => boolean;
  readonly remove: readonly string[][];
  readonly hash: readonly string[][];
}

type Mutable = Record<string, unknown>;

/** Applies `change` at `path` on a copy of the objects along the path only; false when the field is absent. */
function atPath(root: Mutable, path: readonly string[], change: (parent: Mutable, key: string) => void): boolean {
  let node: Mutable = root;
  for (let i = 0; i < path.length - 1; i++) {
    const child = node[path[i] as string];
    if (typeof child !== 'object' || child === null || Array.isArray(child)) return false;
    const copy = { ...(child as Mutable) };
    node[path[i] as string] = copy;
    node = copy;
  }
  const key = path[path.length - 1] as string;
  if (!Object.hasOwn(node, key)) return false;
  change(node, key);
  return true;
}

/**
 * Removes or hashes the configured fields. Untouched events are returned as they are;
 * changed ones are new objects sharing everything they did not change (never mutated).
 */
export class Redactor implements Processor {
  readonly #rules: readonly CompiledRule[];
  readonly #secret: string | undefined;

  constructor(ctx: ProcessorContext<RedactConfig>) {
    this.#secret = ctx.config.secret;
    this.#rules = ctx.config.rules.map((rule) => ({
      matches: picomatch(rule.types, { dot: true, nonegate: true, noextglob: true }),
      remove: rule.remove.map((p) => p.split('.')),
      hash: rule.hash.map((p) => p.split('.')),
    }));
    if (this.#secret === undefined && this.#rules.some((r) => r.hash.length > 0)) {
      throw new ConfigError(`processors.${ctx.id}.secret is required when a rule hashes fields`);
    }
  }

  #hash(value: unknown): string {
    return `hmac-sha256:${createHmac('sha256', this.#secret as string).update(JSON.stringify(value)).digest('hex')}`;
  }

  process(events: readonly FerryEvent[]): FerryEvent[] {
    return events.map((event) => {
      const copy: Mutable = { ...event };
      let changed = false;
      for (const rule of this.#rules) {
        if (!rule.matches(event.type)) continue;
        for (const path of rule.hash) {
          changed = atPath(copy, path, (parent, key) => {
            parent[key] = this.#hash(parent[key]);
          }) || changed;
        }
        for (const path of rule.remove) {
          changed = atPath(copy, path, (parent, key) => {
            delete parent[key];
          }) || changed;
        }
      }
      return changed ? (copy as FerryEvent) : event;
    });
  }
}

export type { JsonValue };
