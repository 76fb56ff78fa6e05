/**
 * The top-level members of one JSON object's text, as the exact text of each value: what
 * an exporter puts in a column or an attribute without decoding and re-encoding it
 * (`data` with its integers beyond 2^53 and its key order, the integrity link as written).
 * `text` must be valid JSON (every line Ferry stores is): nothing here validates it.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** A member's place in the text: the name's opening quote, and the value's bounds. */
export interface MemberSpan {
  /** Index of the opening quote of the member's name. */
  readonly start: number;
  /** The value is `text.slice(valueStart, valueEnd)`. */
  readonly valueStart: number;
  readonly valueEnd: number;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** The index just past the string whose opening quote is at `i`. */
function stringEnd(text: string, i: number): number {
  for (i++; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i + 1;
  }
  return text.length;
}

/** The index just past the value starting at `i`. */
function valueEnd(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === QUOTE) return stringEnd(text, i);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    let depth = 0;
    for (; i < text.length; i++) {
      const d = text.charCodeAt(i);
      if (d === QUOTE) i = stringEnd(text, i) - 1;
      else if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
      else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return text.length;
  }
  // A number or a literal: up to the next delimiter.
  while (i < text.length) {
    const d = text.charCodeAt(i);
    if (d === COMMA || d === CLOSE_BRACE || d === CLOSE_BRACKET || isSpace(d)) break;
    i++;
  }
  return i;
}

/**
 * Calls `visit` for each top-level member of the object `text` holds, in text order, with
 * its (decoded) name and span; stops when `visit` returns false.
 */
export function forEachMember(text: string, visit: (name: string, span: MemberSpan) => boolean | void): void {
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== OPEN_BRACE) return;
  i = skipSpace(text, i + 1);
  while (i < text.length && text.charCodeAt(i) === QUOTE) {
    const start = i;
    const nameEnd = stringEnd(text, i);
    const raw = text.slice(i + 1, nameEnd - 1);
    // A name with an escape (`"d\u0061ta"`) is decoded; plain names need no parse.
    const name = raw.includes('\\') ? (JSON.parse(text.slice(i, nameEnd)) as string) : raw;
    i = skipSpace(text, nameEnd);
    if (text.charCodeAt(i) !== COLON) return;
    const valueStart = skipSpace(text, i + 1);
    const end = valueEnd(text, valueStart);
    if (visit(name, { start, valueStart, valueEnd: end }) === false) return;
    i = skipSpace(text, end);
    if (text.charCodeAt(i) !== COMMA) return;
    i = skipSpace(text, i + 1);
  }
}

/**
 * The exact text of the top-level members named, by name (a name absent from the text is
 * absent from the result; a name given twice in the text: the last, as JSON.parse reads it).
 */
export function memberTexts<Name extends string>(text: string, names: readonly Name[]): Partial<Record<Name, string>> {
  const out: Partial<Record<Name, string>> = {};
  forEachMember(text, (name, span) => {
    if ((names as readonly string[]).includes(name)) out[name as Name] = text.slice(span.valueStart, span.valueEnd);
  });
  return out;
}

/**
 * Calls `visit` with the bounds of each item of the array `text` holds (`text.slice(start,
 * end)` is the item), in order; nothing when `text` is not an array.
 */
export function forEachItem(text: string, visit: (start: number, end: number) => void): void {
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== OPEN_BRACKET) return;
  i = skipSpace(text, i + 1);
  while (i < text.length && text.charCodeAt(i) !== CLOSE_BRACKET) {
    const end = valueEnd(text, i);
    visit(i, end);
    i = skipSpace(text, end);
    if (text.charCodeAt(i) !== COMMA) break;
    i = skipSpace(text, i + 1);
  }
}

/**
 * The exact text of each item of the array `text` holds (a JSON body of several events),
 * in order; undefined when `text` is not an array.
 */
export function arrayItemTexts(text: string): string[] | undefined {
  if (text.charCodeAt(skipSpace(text, 0)) !== OPEN_BRACKET) return undefined;
  const items: string[] = [];
  forEachItem(text, (start, end) => items.push(text.slice(start, end)));
  return items;
}
