import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import picomatch from 'picomatch';
import { ConfigError, type FerryEvent, type Processor, type ProcessorContext } from '@ferry/sdk';
import { canonicalize } from '@ferry/archive';
import type { RedactConfig } from './config.js';
import { changeAt, parsePath, REMOVE } from './paths.js';

interface CompiledRule {
  readonly matches: RegExp;
  readonly hash: readonly (readonly string[])[];
  readonly remove: readonly (readonly string[])[];
}

// The filter processor's glob rules, so a pattern means the same in both.
const GLOB_OPTIONS: picomatch.PicomatchOptions = { dot: true, nonegate: true, noextglob: true, strictBrackets: true, windows: false };

function compileTypes(patterns: readonly string[], where: string): RegExp {
  const sources = patterns.map((pattern, i) => {
    try {
      return picomatch.makeRe(pattern, GLOB_OPTIONS).source;
    } catch (error) {
      throw new ConfigError(`${where}[${i}]: ${JSON.stringify(pattern)} is not a valid glob: ${(error as Error).message}`);
    }
  });
  return new RegExp(sources.map((s) => `(?:${s})`).join('|'));
}

/**
 * Removes or hashes the configured fields of the events whose type a rule matches.
 * Untouched events are passed on as the same objects; changed ones are new objects that
 * share every part they did not change (the input is never mutated).
 */
export class Redactor implements Processor {
  readonly #rules: readonly CompiledRule[];
  readonly #key: KeyObject | undefined;
  readonly #prefix: string;

  constructor(ctx: ProcessorContext<RedactConfig>) {
    const base = `processors.${ctx.id}`;
    this.#rules = ctx.config.rules.map((rule, r) => {
      const where = `${base}.rules[${r}]`;
      if (rule.remove.length === 0 && rule.hash.length === 0) throw new ConfigError(`${where}: names no field to remove or hash`);
      return {
        matches: compileTypes(rule.types, `${where}.types`),
        hash: rule.hash.map((path, i) => parsePath(path, `${where}.hash[${i}]`)),
        remove: rule.remove.map((path, i) => parsePath(path, `${where}.remove[${i}]`)),
      };
    });
    const secret = ctx.config.secret;
    if (secret === undefined && this.#rules.some((rule) => rule.hash.length > 0)) {
      throw new ConfigError(`${base}.secret is required when a rule hashes fields`);
    }
    this.#key = secret === undefined ? undefined : createSecretKey(Buffer.from(secret, 'utf8'));
    this.#prefix = ctx.config.hashFormat === 'hex' ? '' : 'hmac:';
  }

  /** A string is keyed as its UTF-8 text, any other value as its canonical JSON (RFC 8785). */
  readonly #hash = (value: unknown): string => {
    const text = typeof value === 'string' ? value : canonicalize(value);
    return this.#prefix + createHmac('sha256', this.#key as KeyObject).update(text).digest('hex');
  };

  process(events: readonly FerryEvent[]): FerryEvent[] {
    return events.map((event) => {
      let current: unknown = event;
      for (const rule of this.#rules) {
        if (!rule.matches.test(event.type)) continue;
        for (const path of rule.hash) current = changeAt(current, path, 0, this.#hash);
        for (const path of rule.remove) current = changeAt(current, path, 0, () => REMOVE);
      }
      return current as FerryEvent;
    });
  }
}
