import { asLine, withText } from './event-text.js';

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * One event as Ferry carries it: the Grantex envelope
 * `{"id":"evt_<ULID>","type":"grant.created","createdAt":"<ISO-8601>","data":{...}}`.
 * Processors may add top-level fields (the integrity link, for example); exporters must
 * carry fields they do not know about unchanged.
 */
export interface FerryEvent {
  readonly id: string;
  readonly type: string;
  readonly createdAt: string;
  readonly data: JsonObject;
  readonly [field: string]: JsonValue | undefined;
}

/** Why a value is not an event, in words a log line can carry. */
export type EventProblem = string;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks the envelope every Ferry event must have. Returns the problem, or undefined when
 * the value is a valid event. Receivers call this on everything they decode.
 */
export function checkEvent(value: unknown): EventProblem | undefined {
  if (!isPlainObject(value)) return 'not a JSON object';
  if (typeof value.id !== 'string' || value.id.length === 0) return '"id" must be a non-empty string';
  if (typeof value.type !== 'string' || value.type.length === 0) return '"type" must be a non-empty string';
  if (typeof value.createdAt !== 'string') return '"createdAt" must be a string';
  if (!isPlainObject(value.data)) return '"data" must be a JSON object';
  return undefined;
}

export function isFerryEvent(value: unknown): value is FerryEvent {
  return checkEvent(value) === undefined;
}

/** Result of decoding one line of JSON text into an event. */
export type DecodeResult =
  | { readonly ok: true; readonly event: FerryEvent }
  | { readonly ok: false; readonly problem: EventProblem };

/**
 * Parses JSON text into an event, never throwing. The event carries its text (`textOf`),
 * which the host stores instead of re-serializing the object: every byte the source sent
 * reaches the log, the archive and every exporter (line breaks between tokens, if any,
 * become spaces, so the event stays one NDJSON line).
 */
export function decodeEvent(text: string): DecodeResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `invalid JSON (${(error as Error).message})` };
  }
  const problem = checkEvent(value);
  return problem === undefined ? { ok: true, event: withText(value as FerryEvent, asLine(text)) } : { ok: false, problem };
}

/** A short, single-line excerpt of untrusted input for a log line. */
export function sample(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length <= max ? flat : `${flat.slice(0, max)}… (${text.length} chars)`;
}
