import type { FerryEvent } from './event.js';

/**
 * An event's JSON text as the source sent it, carried beside the decoded object.
 *
 * Ferry stores, archives and exports each event as the text its receiver read (the SSE
 * `data`, a webhook body, an outbox payload), never as a re-serialization of the decoded
 * object: `JSON.parse` then `JSON.stringify` would round integers beyond 2^53, move
 * integer-like keys (`"10"`, `"2"`) to the front in numeric order and rewrite escapes,
 * which for an audit archive is the collector altering evidence.
 *
 * The text travels on the object under a registered symbol, not enumerable, so it is
 * shared by every copy of the SDK (a plugin may bundle its own) and never copied by
 * `{ ...event }` or `structuredClone`: an event built from another one carries no text and
 * is serialized afresh, which is what a changed event needs.
 */
const TEXT = Symbol.for('ferry.event.text');

type WithText = { readonly [TEXT]?: string };

/**
 * Gives `event` its JSON text and returns it. `text` must be one line of JSON whose value
 * is `event` (as a receiver decoded it, or as a processor built it, such as the integrity
 * processor adding its link to the source text). The host stores that text for the event,
 * byte for byte; a processor that changes the event returns a new object, which has none.
 */
export function withText<E extends FerryEvent>(event: E, text: string): E {
  // One descriptor for every call (this runs once per event on every path): its value is set
  // for the call and cleared after, so it holds no event's text in between.
  TEXT_DESCRIPTOR.value = text;
  Object.defineProperty(event, TEXT, TEXT_DESCRIPTOR);
  TEXT_DESCRIPTOR.value = undefined;
  return event;
}

const TEXT_DESCRIPTOR: PropertyDescriptor = { value: undefined, enumerable: false, writable: false, configurable: false };

/** The JSON text the event was decoded from (or given with `withText`), if any. */
export function textOf(event: FerryEvent): string | undefined {
  return (event as WithText)[TEXT];
}

/** The line the host stores for an event: its own text, else `JSON.stringify` of the object. */
export function eventLine(event: FerryEvent): string {
  return (event as WithText)[TEXT] ?? JSON.stringify(event);
}

const LF = 0x0a;
const CR = 0x0d;
const OPEN = 0x7b;
const CLOSE = 0x7d;

/**
 * The text of one JSON object as an NDJSON line: unchanged when it is one line starting
 * with `{` and ending with `}` (every Grantex event, every NDJSON line); otherwise the
 * whitespace around it trimmed and each line break in it made a space. JSON allows a line
 * break only between tokens, never inside a string, so no value changes by a byte.
 */
export function asLine(text: string): string {
  const compact = text.charCodeAt(0) === OPEN && text.charCodeAt(text.length - 1) === CLOSE;
  if (compact && text.indexOf('\n') === -1 && text.indexOf('\r') === -1) return text;
  const trimmed = text.trim();
  let out = '';
  let from = 0;
  for (let i = 0; i < trimmed.length; i++) {
    const c = trimmed.charCodeAt(i);
    if (c === LF || c === CR) {
      out += `${trimmed.slice(from, i)} `;
      from = i + 1;
    }
  }
  return from === 0 ? trimmed : out + trimmed.slice(from);
}
