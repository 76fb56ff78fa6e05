import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { textOf, withText, type FerryEvent, type Processor, type ProcessorContext } from '@ferry/sdk';
import { canonicalize } from '@ferry/archive';
import type { RedactConfig } from './config.js';
import { changeAt, parsePath, REMOVE } from './paths.js';
import { changeTextAt } from './text-edit.js';
import { compileTypes } from './types.js';

interface CompiledRule {
  readonly matches: RegExp;
  readonly hash: readonly (readonly string[])[];
  readonly remove: readonly (readonly string[])[];
}

/**
 * Removes or hashes the configured fields of the events whose type a rule matches (options
 * checked by `validateRedact` first, so building never fails).
 * Untouched events are passed on as the same objects; changed ones are new objects that
 * share every part they did not change (the input is never mutated).
 */
export class Redactor implements Processor {
  readonly #rules: readonly CompiledRule[];
  readonly #key: KeyObject | undefined;
  readonly #prefix: string;

  constructor(ctx: ProcessorContext<RedactConfig>) {
    this.#rules = ctx.config.rules.map((rule) => ({ matches: compileTypes(rule.types), hash: rule.hash.map(parsePath), remove: rule.remove.map(parsePath) }));
    const secret = ctx.config.secret;
    this.#key = secret === undefined ? undefined : createSecretKey(Buffer.from(secret, 'utf8'));
    this.#prefix = ctx.config.hashFormat === 'hex' ? '' : 'hmac:';
  }

  /** A string is keyed as its UTF-8 text, any other value as its canonical JSON (RFC 8785). */
  readonly #hash = (value: unknown): string => {
    const text = typeof value === 'string' ? value : canonicalize(value);
    return this.#prefix + createHmac('sha256', this.#key as KeyObject).update(text).digest('hex');
  };

  /**
   * Unchanged events are returned as they are (their text kept). A changed event is a new
   * object with new text, made by the same changes applied to its text: only the redacted
   * values differ, every other byte is the source's.
   */
  process(events: readonly FerryEvent[]): FerryEvent[] {
    return events.map((event) => {
      let current: unknown = event;
      let text = textOf(event);
      for (const rule of this.#rules) {
        if (!rule.matches.test(event.type)) continue;
        for (const path of rule.hash) {
          current = changeAt(current, path, 0, this.#hash);
          if (text !== undefined) text = changeTextAt(text, path, 0, (value) => JSON.stringify(this.#hash(JSON.parse(value))));
        }
        for (const path of rule.remove) {
          current = changeAt(current, path, 0, () => REMOVE);
          if (text !== undefined) text = changeTextAt(text, path, 0, () => REMOVE);
        }
      }
      if (current === event) return event;
      return text === undefined ? (current as FerryEvent) : withText(current as FerryEvent, text);
    });
  }
}
