import type { Batch, FerryEvent } from '@ferry/sdk';
import type { DebugConfig } from './config.js';
import type { Palette } from './colors.js';
import { safeJson, safeText } from './sanitize.js';

const MAX_TYPES_SHOWN = 8;
const MAX_VALUE_CHARS = 40;
const MAX_SUMMARY_CHARS = 120;
const MAX_TYPE_COLUMN = 28;

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function batchHeader(batch: Batch): string {
  return `batch of ${plural(batch.count, 'event')} (${plural(batch.bytes, 'byte')}, received ${new Date(batch.receivedAt).toISOString()}, first seq ${batch.firstSeq})`;
}

/** `basic`: one line for the whole batch, with how many events of each type. */
export function formatBasic(batch: Batch, p: Palette): string {
  const counts = new Map<string, number>();
  for (const event of batch.events) counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const shown = ranked.slice(0, MAX_TYPES_SHOWN).map(([type, n]) => `${n} ${p.type(safeText(type))}`);
  if (ranked.length > MAX_TYPES_SHOWN) shown.push(`… ${plural(ranked.length - MAX_TYPES_SHOWN, 'more type')}`);
  return `${p.header(batchHeader(batch))}${shown.length > 0 ? `: ${shown.join(', ')}` : ''}\n`;
}

const BARE = /^[\w.:@/+-]+$/;

/** A data value as it reads in `key=value`: bare words bare, anything else as compact JSON. */
function summaryValue(value: unknown, p: Palette): string {
  if (typeof value === 'string') {
    const text = BARE.test(value) ? value : JSON.stringify(value);
    return p.string(safeText(truncate(text, MAX_VALUE_CHARS)));
  }
  if (typeof value === 'number') return p.number(String(value));
  if (typeof value === 'boolean' || value === null) return p.literal(String(value));
  return safeText(truncate(JSON.stringify(value) ?? String(value), MAX_VALUE_CHARS));
}

/** The top-level data fields as `key=value …`, cut at a whole pair once the line is long enough. */
function summary(data: FerryEvent['data'], p: Palette): string {
  const pairs: string[] = [];
  let length = 0;
  const keys = Object.keys(data);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const plainLength = key.length + 1 + Math.min(MAX_VALUE_CHARS, JSON.stringify(data[key])?.length ?? 0);
    if (pairs.length > 0 && length + plainLength > MAX_SUMMARY_CHARS) {
      pairs.push(`… +${keys.length - i}`);
      break;
    }
    pairs.push(`${p.key(safeText(key))}=${summaryValue(data[key], p)}`);
    length += plainLength + 1;
  }
  return pairs.join(' ');
}

/** `normal`: one line per event — time, type, id and a short summary of its data. */
export function formatNormal(batch: Batch, p: Palette): string {
  const events = batch.events;
  let typeWidth = 0;
  for (const event of events) typeWidth = Math.max(typeWidth, Math.min(MAX_TYPE_COLUMN, safeText(event.type).length));
  let out = '';
  for (const event of events) {
    const type = safeText(event.type);
    const data = typeof event.data === 'object' && event.data !== null ? summary(event.data, p) : '';
    const line = `${p.time(safeText(String(event.createdAt)))} ${p.type(type)}${' '.repeat(Math.max(0, typeWidth - type.length))} ${p.id(safeText(String(event.id)))}`;
    out += data.length > 0 ? `${line} ${data}\n` : `${line}\n`;
  }
  return out;
}

const JSON_TOKEN = /("(?:[^"\\]|\\.)*")(\s*:)?|\b(?:true|false|null)\b|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

function colorJson(json: string, p: Palette): string {
  return json.replace(JSON_TOKEN, (token: string, quoted: string | undefined, colon: string | undefined) => {
    if (quoted !== undefined) return colon !== undefined ? `${p.key(quoted)}${colon}` : p.string(quoted);
    return token === 'true' || token === 'false' || token === 'null' ? p.literal(token) : p.number(token);
  });
}

/** `detailed`: a header for the batch, then every event in full, pretty-printed. */
export function formatDetailed(batch: Batch, p: Palette): string {
  const events = batch.events;
  let out = `${p.header(batchHeader(batch))}\n`;
  events.forEach((event, i) => {
    out += `${p.header(`event ${i + 1}/${events.length}`)}\n${colorJson(safeJson(JSON.stringify(event, null, 2)), p)}\n`;
  });
  return out;
}

export const FORMATS: Readonly<Record<DebugConfig['verbosity'], (batch: Batch, p: Palette) => string>> = {
  basic: formatBasic,
  normal: formatNormal,
  detailed: formatDetailed,
};
