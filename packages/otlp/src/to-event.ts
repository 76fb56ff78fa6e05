import { createHash } from 'node:crypto';
import { FERRY_SCOPE } from './to-record.js';
import { renderTimestamp } from './time.js';
import { jsonText, objectText, type Attributes, type DecodedRecord, type OtlpValue } from './value.js';

const stringOf = (value: OtlpValue | undefined): string | undefined => (value?.kind === 'string' && value.value !== '' ? value.value : undefined);

function find(attributes: Attributes, key: string): OtlpValue | undefined {
  let found: OtlpValue | undefined;
  for (const [name, value] of attributes) if (name === key) found = value;
  return found;
}

/** `data`: a map body as it is; another body under `body`; none, `{}`. */
function dataText(body: OtlpValue): string {
  if (body.kind === 'kvlist') return objectText(body.entries);
  return body.kind === 'empty' ? '{}' : `{"body":${jsonText(body)}}`;
}

/**
 * A record Ferry sent (its scope): the event as it was — id, type, createdAt (from
 * `ferry.createdAt` when the sender kept its text, else the timestamp), data from the body,
 * and each `ferry.<field>` attribute back as its top-level field. What the mapping derives
 * (severity, observed time, resource) is not kept: it says nothing the event does not.
 */
function ferryEvent(record: DecodedRecord): string | undefined {
  const id = stringOf(find(record.attributes, 'log.record.uid'));
  const type = record.eventName || stringOf(find(record.attributes, 'event.name'));
  const createdAt = find(record.attributes, 'ferry.createdAt') ?? (record.timeUnixNano > 0n ? { kind: 'string' as const, value: renderTimestamp(record.timeUnixNano) } : undefined);
  if (id === undefined || type === undefined || createdAt?.kind !== 'string') return undefined;
  const extra = record.attributes.filter(([key]) => key.startsWith('ferry.') && key !== 'ferry.createdAt').map(([key, value]) => `,${JSON.stringify(key.slice(6))}:${jsonText(value)}`);
  return `{"id":${JSON.stringify(id)},"type":${JSON.stringify(type)},"createdAt":${jsonText(createdAt)},"data":${dataText(record.body)}${extra.join('')}}`;
}

const MAPPED = new Set(['log.record.uid', 'event.name']);

/**
 * A record from any other sender (an application's SDK, a collector): nothing is dropped.
 * The id is `log.record.uid`, else derived from the record's content and its place in the
 * request (so a request sent again yields the same ids, for `dedup`); the type the event
 * name, else `event.name`, else `otlp.log`; `createdAt` the timestamp, else the observed
 * one, else `now`; `data` the body; everything else under `otlp`.
 */
function otherEvent(record: DecodedRecord, position: number, now: number): string {
  const otlp: string[] = [];
  const add = (key: string, text: string) => otlp.push(`${JSON.stringify(key)}:${text}`);
  if (record.severityNumber !== 0) add('severityNumber', String(record.severityNumber));
  if (record.severityText !== '') add('severityText', JSON.stringify(record.severityText));
  const attributes = record.attributes.filter(([key]) => !MAPPED.has(key));
  if (attributes.length > 0) add('attributes', objectText(attributes));
  if (record.resource.attributes.length > 0 || record.resource.schemaUrl !== '') {
    add('resource', `{"attributes":${objectText(record.resource.attributes)}${record.resource.schemaUrl === '' ? '' : `,"schemaUrl":${JSON.stringify(record.resource.schemaUrl)}`}}`);
  }
  if (record.scope.name !== '' || record.scope.version !== '' || record.scope.attributes.length > 0) {
    add('scope', `{"name":${JSON.stringify(record.scope.name)},"version":${JSON.stringify(record.scope.version)}${record.scope.attributes.length > 0 ? `,"attributes":${objectText(record.scope.attributes)}` : ''}}`);
  }
  if (record.traceId !== '') add('traceId', JSON.stringify(record.traceId));
  if (record.spanId !== '') add('spanId', JSON.stringify(record.spanId));
  if (record.flags !== 0) add('flags', String(record.flags));
  if (record.observedTimeUnixNano > 0n) add('observedTimestamp', JSON.stringify(renderTimestamp(record.observedTimeUnixNano)));
  const data = dataText(record.body);
  const otlpText = `{${otlp.join(',')}}`;
  const id =
    stringOf(find(record.attributes, 'log.record.uid')) ??
    `otlp_${createHash('sha256').update(`${position}\n${record.timeUnixNano}\n${record.eventName}\n${data}\n${otlpText}`).digest('hex').slice(0, 32)}`;
  const type = record.eventName || stringOf(find(record.attributes, 'event.name')) || 'otlp.log';
  const instant = record.timeUnixNano > 0n ? record.timeUnixNano : record.observedTimeUnixNano > 0n ? record.observedTimeUnixNano : BigInt(now) * 1_000_000n;
  return `{"id":${JSON.stringify(id)},"type":${JSON.stringify(type)},"createdAt":${JSON.stringify(renderTimestamp(instant))},"data":${data},"otlp":${otlpText}}`;
}

/**
 * Each record of a request as a Ferry event's JSON text, in request order. The texts are
 * written here, not by JSON.stringify of decoded values: int64 values keep every digit and
 * maps their order.
 */
export function recordsToEventTexts(records: readonly DecodedRecord[], now = Date.now()): string[] {
  return records.map((record, position) => (record.scope.name === FERRY_SCOPE.name ? ferryEvent(record) : undefined) ?? otherEvent(record, position, now));
}
