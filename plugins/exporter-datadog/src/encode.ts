import { memberTexts, type Batch } from '@ferry/sdk';
import type { DatadogConfig } from './config.js';

/**
 * The Logs intake's limits, per request and per entry. Datadog states them as 5 MB and
 * 1 MB; the decimal reading is the smaller one, so it is the one that always holds.
 * (Datadog accepts a larger entry and truncates it: for an audit log that is an altered
 * event, so Ferry refuses to send one.)
 */
export const LIMITS = { entries: 1000, payloadBytes: 5_000_000, entryBytes: 1_000_000 } as const;

/** One log entry, written into its batch's body (`EncodedBatch.body`). */
export interface Entry {
  /** Index of the event in the batch. */
  readonly index: number;
  /** Where the entry's JSON starts in the body. */
  readonly at: number;
  /** UTF-8 size of the entry's JSON. */
  readonly bytes: number;
}

/** An entry over the per-entry limit: measured, never kept. */
export interface OversizeEntry {
  readonly index: number;
  readonly bytes: number;
}

export interface EncodedBatch {
  /** The JSON array of every entry within the limit, in batch order: the request body when one request takes them all. */
  readonly body: Buffer;
  /** Entries within the per-entry limit, in batch order. */
  readonly entries: Entry[];
  /** Entries that can never be sent whole. */
  readonly oversize: OversizeEntry[];
}

const MEMBERS = ['type', 'ferry'] as const;

/**
 * Whether `"<name>"` occurs in `line` at or after `from`. It is looked for by its tail and
 * checked backwards: a quote is the commonest character of a JSON line, and indexOf of a
 * pattern that starts with one ran about five times slower on Grantex events.
 */
function quotedNameAt(line: string, name: { readonly tail: string; readonly head: string }, from: number): boolean {
  for (let i = line.indexOf(name.tail, from); i !== -1; i = line.indexOf(name.tail, i + 1)) {
    if (line.startsWith(name.head, i - name.head.length)) return true;
  }
  return false;
}
const TYPE_NAME = { head: '"t', tail: 'ype"' } as const;
const FERRY_NAME = { head: '"', tail: 'ferry"' } as const;

/**
 * The event's type, as JSON text, when the line is laid out as Grantex writes it
 * (`{"id":"…","type":"…",`) and holds `"type"` and `"ferry"` nowhere after that, so the
 * first is the member JSON.parse takes and there is no link: found without walking the
 * whole event. Anything else is left to memberTexts.
 */
function leadingType(line: string): string | undefined {
  if (!line.startsWith('{"id":"')) return undefined;
  const idEnd = line.indexOf('"', 7);
  if (idEnd === -1 || !line.startsWith('","type":"', idEnd)) return undefined;
  const typeEnd = line.indexOf('"', idEnd + 10);
  if (typeEnd === -1) return undefined;
  // A backslash before the type's end could make one of the quotes above an escaped one; a
  // member name may be written with escapes (`"typ\u0065"`): a line with either is walked.
  const escape = line.indexOf('\\');
  if (escape !== -1 && (escape < typeEnd || line.indexOf('\\u', escape) !== -1)) return undefined;
  if (quotedNameAt(line, TYPE_NAME, typeEnd + 1) || quotedNameAt(line, FERRY_NAME, typeEnd + 1)) return undefined;
  return line.slice(idEnd + 9, typeEnd + 1);
}

function typeOf(text: string | undefined): string {
  const value: unknown = text === undefined ? undefined : JSON.parse(text);
  return typeof value === 'string' ? value : 'unknown';
}

/** Enough entry heads for every event type a source has; a stream of ever new types is still encoded, past this uncached. */
const MAX_HEADS = 1024;

/**
 * The seed's mapping: `ddsource`, `ddtags` (`type:<event type>` then the extra tags),
 * `hostname`, `service`, and `message` = the event's line, the exact text Ferry archived.
 * An integrity link also travels as the `ferry` attribute, so monitors can see it.
 *
 * Entries are written straight into one body per batch: building each entry as a string,
 * measuring it and writing it again cost more than the event's own JSON.stringify, and kept
 * a second copy of every event on the heap until its request was answered. Everything
 * before the message depends only on the event's type, so it is encoded once per type.
 */
export class BatchEncoder {
  readonly #config: DatadogConfig;
  readonly #heads = new Map<string, Buffer>();
  readonly #unknownHead: Buffer;

  constructor(config: DatadogConfig) {
    this.#config = config;
    this.#unknownHead = this.#makeHead(undefined);
  }

  #makeHead(type: string | undefined): Buffer {
    const { source, hostname, service, tags } = this.#config;
    const extraTags = tags.length > 0 ? `,${tags.join(',')}` : '';
    const tag = JSON.stringify(`type:${typeOf(type)}${extraTags}`);
    return Buffer.from(`{"ddsource":${JSON.stringify(source)},"ddtags":${tag},"hostname":${JSON.stringify(hostname)},"service":${JSON.stringify(service)},"message":`);
  }

  #head(type: string | undefined): Buffer {
    if (type === undefined) return this.#unknownHead;
    const known = this.#heads.get(type);
    if (known !== undefined) return known;
    const head = this.#makeHead(type);
    if (this.#heads.size < MAX_HEADS) this.#heads.set(type, head);
    return head;
  }

  encode(batch: Batch): EncodedBatch {
    const { lines } = batch;
    const entries: Entry[] = [];
    const oversize: OversizeEntry[] = [];
    let text = 0;
    for (const line of lines) text += line.length;
    // Room for most batches at once (a line's quotes are escaped); it grows when not.
    let body = Buffer.allocUnsafe(2 + lines.length * (this.#unknownHead.length + 64) + text + (text >> 2));
    let at = 0;
    body[at++] = 0x5b;
    for (let index = 0; index < lines.length; index++) {
      const line = lines[index] as string;
      // The type and the link are read from the line as text: nothing of the event is re-encoded.
      const fast = leadingType(line);
      const { type, ferry } = fast === undefined ? memberTexts(line, MEMBERS) : { type: fast, ferry: undefined };
      const head = this.#head(type);
      const message = JSON.stringify(line);
      const link = ferry === undefined ? undefined : `,"ferry":${ferry}`;
      // A UTF-16 unit is at most 3 bytes of UTF-8; a comma before, a brace and the array's bracket after.
      const room = 3 + head.length + 3 * (message.length + (link?.length ?? 0));
      if (at + room > body.length) {
        const grown = Buffer.allocUnsafe(Math.max(2 * body.length, at + room));
        body.copy(grown, 0, 0, at);
        body = grown;
      }
      const comma = entries.length > 0;
      if (comma) body[at++] = 0x2c;
      const start = at;
      body.set(head, at);
      at += head.length;
      at += body.write(message, at);
      if (link !== undefined) at += body.write(link, at);
      body[at++] = 0x7d;
      const bytes = at - start;
      if (bytes > LIMITS.entryBytes) {
        oversize.push({ index, bytes });
        at = comma ? start - 1 : start;
      } else {
        entries.push({ index, at: start, bytes });
      }
    }
    body[at++] = 0x5d;
    return { body: body.subarray(0, at), entries, oversize };
  }
}

/** One batch's entries (see BatchEncoder, which an exporter keeps to encode each type's head once). */
export function encodeBatch(batch: Batch, config: DatadogConfig): EncodedBatch {
  return new BatchEncoder(config).encode(batch);
}

/** An entry's JSON, as text. */
export function entryJson(body: Buffer, entry: Entry): string {
  return body.toString('utf8', entry.at, entry.at + entry.bytes);
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
 * The request body of these entries of `body`: `body` itself when they are all of it, as
 * for every batch within the intake's limits; otherwise (a batch cut into several requests,
 * a request sent in halves after a 413) their bytes copied into an array of their own.
 */
export function payload(body: Buffer, entries: readonly Entry[]): Buffer {
  const first = entries[0];
  const last = entries[entries.length - 1];
  if (first !== undefined && last !== undefined && first.at === 1 && last.at + last.bytes === body.length - 1 && adjoin(entries)) return body;
  const out = Buffer.allocUnsafe(payloadBytes(entries));
  let at = 0;
  out[at++] = 0x5b;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as Entry;
    if (i > 0) out[at++] = 0x2c;
    at += body.copy(out, at, entry.at, entry.at + entry.bytes);
  }
  out[at++] = 0x5d;
  return out;
}

/** Whether each entry follows the one before it in the body, a comma apart. */
function adjoin(entries: readonly Entry[]): boolean {
  for (let i = 1; i < entries.length; i++) {
    const before = entries[i - 1] as Entry;
    if ((entries[i] as Entry).at !== before.at + before.bytes + 1) return false;
  }
  return true;
}
