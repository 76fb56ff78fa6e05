import { memberTexts, type Batch } from '@ferry/sdk';
import type { DatadogConfig } from './config.js';

/**
 * The Logs intake's limits, per request and per entry. Datadog states them as 5 MB and
 * 1 MB; the decimal reading is the smaller one, so it is the one that always holds.
 * (Datadog accepts a larger entry and truncates it: for an audit log that is an altered
 * event, so Ferry refuses to send one.)
 */
export const LIMITS = { entries: 1000, payloadBytes: 5_000_000, entryBytes: 1_000_000 } as const;

/** One log entry, ready to be joined into a request body. */
export interface Entry {
  /** Index of the event in the batch. */
  readonly index: number;
  /** The entry as JSON text. */
  readonly json: string;
  /** UTF-8 size of `json`. */
  readonly bytes: number;
}

export interface EncodedBatch {
  /** Entries within the per-entry limit, in batch order. */
  readonly entries: Entry[];
  /** Entries that can never be sent whole. */
  readonly oversize: Entry[];
}

const MEMBERS = ['type', 'ferry'] as const;

/**
 * The event's type when the line is laid out as Grantex writes it (`{"id":"…","type":"…",`)
 * and holds `"type"` and `"ferry"` nowhere else, so the first is the member JSON.parse
 * takes and there is no link: found without walking the whole event (0.8 µs an event).
 * Anything else is left to memberTexts.
 */
function leadingType(line: string): { type: string; ferry: undefined } | undefined {
  LEADING_TYPE.lastIndex = 0;
  const match = LEADING_TYPE.exec(line);
  // A member name may be written with escapes (`"typ\u0065"`): a line with any is walked.
  if (match === null || line.indexOf('"type"', match[0].length) !== -1 || line.indexOf('"ferry"') !== -1 || line.indexOf('\\u') !== -1) return undefined;
  return { type: `"${match[1] as string}"`, ferry: undefined };
}
const LEADING_TYPE = /^\{"id":"[^"\\]*","type":"([^"\\]*)"/y;

function typeOf(text: string | undefined): string {
  const value: unknown = text === undefined ? undefined : JSON.parse(text);
  return typeof value === 'string' ? value : 'unknown';
}

/**
 * The seed's mapping: `ddsource`, `ddtags` (`type:<event type>` then the extra tags),
 * `hostname`, `service`, and `message` = the event's line, the exact text Ferry archived.
 * An integrity link also travels as the `ferry` attribute, so monitors can see it.
 */
export function encodeBatch(batch: Batch, config: DatadogConfig): EncodedBatch {
  // The parts every entry shares are serialized once.
  const head = `{"ddsource":${JSON.stringify(config.source)},"ddtags":`;
  const tail = `,"hostname":${JSON.stringify(config.hostname)},"service":${JSON.stringify(config.service)},"message":`;
  const extraTags = config.tags.length > 0 ? `,${config.tags.join(',')}` : '';
  const entries: Entry[] = [];
  const oversize: Entry[] = [];
  batch.lines.forEach((line, index) => {
    // The type and the link are read from the line as text: nothing of the event is re-encoded.
    const { type, ferry } = leadingType(line) ?? memberTexts(line, MEMBERS);
    const link = ferry === undefined ? '' : `,"ferry":${ferry}`;
    const json = `${head}${JSON.stringify(`type:${typeOf(type)}${extraTags}`)}${tail}${JSON.stringify(line)}${link}}`;
    const entry = { index, json, bytes: Buffer.byteLength(json) };
    (entry.bytes > LIMITS.entryBytes ? oversize : entries).push(entry);
  });
  return { entries, oversize };
}

/** Size of the JSON array holding these entries. */
export function payloadBytes(entries: readonly Entry[]): number {
  let bytes = 2 + Math.max(0, entries.length - 1);
  for (const entry of entries) bytes += entry.bytes;
  return bytes;
}

/** Cuts entries, in order, into requests within the intake's count and payload limits. */
export function chunk(entries: readonly Entry[]): Entry[][] {
  const chunks: Entry[][] = [];
  let current: Entry[] = [];
  let bytes = 2; // the array's brackets
  for (const entry of entries) {
    const added = entry.bytes + (current.length > 0 ? 1 : 0);
    if (current.length > 0 && (current.length >= LIMITS.entries || bytes + added > LIMITS.payloadBytes)) {
      chunks.push(current);
      current = [];
      bytes = 2;
    }
    bytes += entry.bytes + (current.length > 0 ? 1 : 0);
    current.push(entry);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * The request body: a JSON array of the entries, written entry by entry into a buffer of
 * its known size. Joining the entries into one string first made a two-byte string of the
 * whole request whenever one event held a character beyond Latin-1, which V8 then encodes
 * slowly (see @ferry/sdk's ndjson.ts).
 */
export function payload(entries: readonly Entry[]): Buffer {
  const body = Buffer.allocUnsafe(payloadBytes(entries));
  let at = 0;
  body[at++] = 0x5b;
  for (let i = 0; i < entries.length; i++) {
    if (i > 0) body[at++] = 0x2c;
    at += body.write((entries[i] as Entry).json, at, 'utf8');
  }
  body[at++] = 0x5d;
  return body;
}
